/**
 * The words every other package shares: event-bus {@link io.relay.vocabulary.Addresses addresses}, the
 * Socket.IO {@link io.relay.vocabulary.Events event names} of the wire contract, and the
 * {@link io.relay.vocabulary.FailureReason reasons} a failure is classified by.
 *
 * <p>It imports no other package of the relay, so any of them may import it without a cycle
 * ({@code PackageStructureTest} checks both).
 */
package io.relay.vocabulary;
