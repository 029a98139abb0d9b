package io.relay.pairing;

import io.relay.TestConfigs;
import io.relay.config.RelayConfig;
import io.relay.vocabulary.Addresses;
import io.relay.store.Storage;
import io.relay.store.Store;
import io.relay.store.TestDatabase;
import io.relay.vocabulary.FailureReason;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** QR pairing end to end over a real PostgreSQL: generate, scan, wait, verify, and the REST calls. */
@ExtendWith(VertxExtension.class)
@DisplayName("Pairing a phone with a browser")
class PairingFlowTest {

    private static final String DEVICE = "device-under-test";

    private Storage storage;
    private Store store;
    private RelayConfig config;
    private PairingService service;

    /** Starts storage on a fresh database and a service whose QRs live {@code qrTtl}. */
    private Future<Void> start(Vertx vertx, Duration qrTtl) {
        config = TestConfigs.forDatabase(TestDatabase.freshDatabaseUrl()).toBuilder().pairing(new RelayConfig.Pairing(qrTtl)).build();
        return Storage.start(vertx, config).map(s -> {
            storage = s;
            store = s.store();
            service = new PairingService(vertx, config, store, new SessionTokens(vertx, config.jwt()));
            return null;
        });
    }

    private Future<Void> start(Vertx vertx) {
        return start(vertx, Duration.ofMinutes(5));
    }

    @AfterEach
    void stop(VertxTestContext ctx) {
        (storage == null ? Future.<Void>succeededFuture() : storage.close()).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("a generated QR shows a 256-bit secret, not the waiter token, and renders the same on every call by its image handle, never by the token")
    void generatedQr(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate()).compose(qr -> outcome(service.qrDataForImage(qr.token())).compose(byToken -> {
            ctx.verify(() -> assertThat(byToken).isEqualTo(FailureReason.UNKNOWN_TOKEN));
            return service.qrDataForImage(qr.imageId());
        }).map(again -> {
            ctx.verify(() -> {
                assertThat(PairingSecrets.isWaiterToken(qr.token())).isTrue();
                assertThat(qr.imageId()).isNotEqualTo(qr.token());
                assertThat(qr.expiresInMs()).isEqualTo(300_000L);
                JsonObject data = new JsonObject(qr.qrData());
                assertThat(data.fieldNames()).containsExactly("token", "timestamp", "expiresIn");
                assertThat(data.getString("token")).isNotEqualTo(qr.token());
                assertThat(PairingSecrets.isScanSecret(data.getString("token"))).isTrue();
                assertThat(data.getLong("timestamp")).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
                assertThat(data.getLong("expiresIn")).isEqualTo(300_000L);
                assertThat(again).isEqualTo(qr.qrData());
            });
            return null;
        })).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("a browser waiting on its token gets a session token once the phone scans, and it verifies to that phone")
    void waitThenScan(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate()).compose(qr -> {
            Future<String> waiting = service.awaitPairing(qr.token());
            // Scan only once the waiter has had time to register and read the row.
            return delay(vertx, 200)
                    .compose(v -> service.scan(qr.qrData(), DEVICE))
                    .compose(paired -> {
                        ctx.verify(() -> {
                            assertThat(paired.deviceId()).isEqualTo(DEVICE);
                            assertThat(paired.waiterToken()).isEqualTo(qr.token());
                            assertThat(paired.expiresAt()).isAfter(Instant.now().plus(Duration.ofDays(29)));
                        });
                        return waiting;
                    });
        }).compose(jwt -> service.verifySession(jwt)).onComplete(ctx.succeeding(claims -> ctx.verify(() -> {
            assertThat(claims.deviceId()).isEqualTo(DEVICE);
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("a scan publishes the QR's waiter token to every node's consumer of scans, and nothing else")
    void scanPublishes(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate()).compose(qr -> {
            Promise<Object> published = Promise.promise();
            var consumer = vertx.eventBus().consumer(Addresses.pairingScans(), m -> published.tryComplete(m.body()));
            return consumer.completion()
                    .compose(v -> service.scan(qr.qrData(), DEVICE))
                    .compose(paired -> published.future().map(body -> {
                        ctx.verify(() -> assertThat(body).isEqualTo(qr.token()));
                        return null;
                    }))
                    .eventually(consumer::unregister);
        }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("a long-poll is answered on its own context, whichever context registered the node's consumer of scans and heard the scan")
    void answeredOnItsContext(Vertx vertx, VertxTestContext ctx) {
        // The consumer is registered from the test's thread (as the node does at start), the long-polls on contexts of their own.
        start(vertx).compose(v -> service.hearScans()).compose(v -> service.generate()).compose(first -> service.generate()
                .compose(second -> {
                    io.vertx.core.Context woken = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
                    io.vertx.core.Context checked = ((io.vertx.core.internal.VertxInternal) vertx).createEventLoopContext();
                    Promise<io.vertx.core.Context> wokenAnswer = Promise.promise();
                    Promise<io.vertx.core.Context> checkedAnswer = Promise.promise();
                    // Waiting, then scanned: the answer comes from the scan's message.
                    woken.runOnContext(x -> service.awaitPairing(first.token())
                            .onComplete(ar -> wokenAnswer.complete(Vertx.currentContext())));
                    // Scanned, then waiting: the answer comes from reading the row.
                    return delay(vertx, 200)
                            .compose(x -> service.scan(first.qrData(), DEVICE))
                            .compose(x -> service.scan(second.qrData(), DEVICE))
                            .compose(x -> {
                                checked.runOnContext(y -> service.awaitPairing(second.token())
                                        .onComplete(ar -> checkedAnswer.complete(Vertx.currentContext())));
                                return Future.all(wokenAnswer.future(), checkedAnswer.future());
                            })
                            .map(all -> {
                                ctx.verify(() -> {
                                    assertThat(wokenAnswer.future().result()).isSameAs(woken);
                                    assertThat(checkedAnswer.future().result()).isSameAs(checked);
                                });
                                return null;
                            });
                })).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("after a partition healed, a long-poll whose scan was heard by nobody here reads its row again and gets its session")
    void rehearAfterPartition(Vertx vertx, VertxTestContext ctx) {
        // The scan's message is lost, as it is when the phone scans on the other side of a partition.
        vertx.eventBus().addOutboundInterceptor(delivery -> {
            if (!Addresses.pairingScans().equals(delivery.message().address())) {
                delivery.next();
            }
        });
        start(vertx).compose(v -> service.generate()).compose(qr -> {
            Future<String> waiting = service.awaitPairing(qr.token());
            return delay(vertx, 200)
                    .compose(v -> service.scan(qr.qrData(), DEVICE))
                    .compose(paired -> delay(vertx, 300))
                    .compose(v -> {
                        ctx.verify(() -> assertThat(waiting.isComplete()).as("answered without its scan's message").isFalse());
                        service.rehearScans();
                        return waiting;
                    });
        }).compose(jwt -> service.verifySession(jwt)).onComplete(ctx.succeeding(claims -> ctx.verify(() -> {
            assertThat(claims.deviceId()).isEqualTo(DEVICE);
            ctx.completeNow();
        })));
    }

    @Test
    @DisplayName("a browser that starts waiting only after the scan still gets its session token")
    void scanThenWait(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate())
                .compose(qr -> service.scan(qr.qrData(), DEVICE).compose(paired -> service.awaitPairing(qr.token())))
                .compose(token -> service.verifySession(token))
                .onComplete(ctx.succeeding(claims -> ctx.verify(() -> {
                    assertThat(claims.deviceId()).isEqualTo(DEVICE);
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("the session is handed out once: a second wait on the same token, after the first answered, gets nothing")
    void handedOutOnce(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate())
                .compose(qr -> service.scan(qr.qrData(), DEVICE).compose(paired -> service.awaitPairing(qr.token())
                        .compose(token -> service.verifySession(token))
                        .compose(claims -> {
                            ctx.verify(() -> assertThat(claims.sessionId()).isEqualTo(paired.sessionId()));
                            return outcome(service.awaitPairing(qr.token()));
                        })
                        .map(second -> {
                            ctx.verify(() -> assertThat(second).isEqualTo(FailureReason.ALREADY_COLLECTED));
                            return null;
                        })))
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("two long-polls of one token waiting when the phone scans: exactly one gets the session")
    void concurrentWaitsOneSession(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate()).compose(qr -> {
            Future<String> first = service.awaitPairing(qr.token());
            Future<String> second = service.awaitPairing(qr.token());
            return delay(vertx, 200)
                    .compose(v -> service.scan(qr.qrData(), DEVICE))
                    .compose(paired -> Future.join(first, second))
                    .transform(done -> {
                        ctx.verify(() -> {
                            assertThat(List.of(first.succeeded(), second.succeeded())).containsExactlyInAnyOrder(true, false);
                            Throwable loser = first.failed() ? first.cause() : second.cause();
                            assertThat(((PairingException) loser).reason()).isEqualTo(FailureReason.ALREADY_COLLECTED);
                        });
                        return Future.<Void>succeededFuture();
                    });
        }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("a QR can be scanned once: a replay is refused")
    void replayRefused(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate())
                .compose(qr -> service.scan(qr.qrData(), DEVICE).compose(first -> service.scan(qr.qrData(), "another-device")))
                .onComplete(expect(ctx, FailureReason.INVALID_QR, "QR code is invalid, expired or already used"));
    }

    @Test
    @DisplayName("a QR forged from the waiter token is refused")
    void forgedFromWaiterTokenRefused(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate())
                .compose(qr -> service.scan(PairingSecrets.qrData(qr.token(), System.currentTimeMillis(), 300_000L), DEVICE))
                .onComplete(expect(ctx, FailureReason.INVALID_QR, "QR code is invalid, expired or already used"));
    }

    @Test
    @DisplayName("a well-formed secret that was never issued is refused")
    void unknownSecretRefused(Vertx vertx, VertxTestContext ctx) {
        String stranger = new PairingSecrets("another-secret-that-is-at-least-32-bytes!!".getBytes(java.nio.charset.StandardCharsets.UTF_8)).scanSecret(PairingSecrets.newWaiterToken());
        start(vertx).compose(v -> service.scan(PairingSecrets.qrData(stranger, 0, 300_000L), DEVICE))
                .onComplete(expect(ctx, FailureReason.INVALID_QR, "QR code is invalid, expired or already used"));
    }

    @Test
    @DisplayName("a scanned string that is not qrData is an invalid QR")
    void garbageQrRefused(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.scan("https://example.com", DEVICE))
                .onComplete(expect(ctx, FailureReason.INVALID_QR, "Invalid QR code"));
    }

    @Test
    @DisplayName("an expired QR cannot be scanned, cannot be rendered, and waiting on it times out at once")
    void expiredRefused(Vertx vertx, VertxTestContext ctx) {
        start(vertx, Duration.ofMillis(300)).compose(v -> service.generate())
                .compose(qr -> delay(vertx, 600).map(v -> qr))
                .compose(qr -> outcome(service.scan(qr.qrData(), DEVICE)).compose(scan -> {
                    ctx.verify(() -> assertThat(scan).isEqualTo(FailureReason.INVALID_QR));
                    return outcome(service.qrDataForImage(qr.imageId()));
                }).compose(render -> {
                    ctx.verify(() -> assertThat(render).isEqualTo(FailureReason.UNKNOWN_TOKEN));
                    long started = System.nanoTime();
                    return outcome(service.awaitPairing(qr.token())).map(wait -> {
                        ctx.verify(() -> {
                            assertThat(wait).isEqualTo(FailureReason.PAIRING_TIMEOUT);
                            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
                        });
                        return null;
                    });
                }))
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("a browser waiting on a QR nobody scans gets a timeout when the QR expires")
    void waitTimesOut(Vertx vertx, VertxTestContext ctx) {
        start(vertx, Duration.ofMillis(800)).compose(v -> service.generate())
                .compose(qr -> service.awaitPairing(qr.token()))
                .onComplete(expect(ctx, FailureReason.PAIRING_TIMEOUT, "Pairing timeout"));
    }

    @Test
    @DisplayName("waiting on a token that was never generated fails as unknown")
    void unknownToken(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.awaitPairing(PairingSecrets.newWaiterToken()))
                .onComplete(expect(ctx, FailureReason.UNKNOWN_TOKEN, "Unknown pairing token"));
    }

    @Test
    @DisplayName("a cancelled wait fails at once, and the pairing can still complete for a new wait")
    void cancelledWait(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate()).compose(qr -> {
            Promise<Void> clientGone = Promise.promise();
            Future<String> waiting = service.awaitPairing(qr.token(), clientGone.future());
            return delay(vertx, 200)
                    .compose(v -> {
                        clientGone.complete();
                        return outcome(waiting);
                    })
                    .compose(reason -> {
                        ctx.verify(() -> assertThat(reason).isEqualTo(FailureReason.CANCELLED));
                        return service.scan(qr.qrData(), DEVICE);
                    })
                    .compose(paired -> service.awaitPairing(qr.token()));
        }).compose(token -> service.verifySession(token)).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("no long-poll is left listed on the node once its wait has ended")
    void waiterCleansUp(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate()).compose(qr -> {
            Promise<Void> clientGone = Promise.promise();
            Future<String> cancelled = service.awaitPairing(qr.token(), clientGone.future());
            return delay(vertx, 200)
                    .compose(v -> {
                        clientGone.complete();
                        return outcome(cancelled);
                    })
                    .compose(r -> delay(vertx, 100))
                    .compose(v -> noneWaiting())
                    .compose(v -> service.scan(qr.qrData(), DEVICE))
                    .compose(paired -> service.awaitPairing(qr.token()))
                    .compose(jwt -> delay(vertx, 100))
                    .compose(v -> noneWaiting());
        }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("a session the phone revoked between the scan and the browser's long-poll is not handed out: the long-poll says the session is invalid")
    void revokedBeforeCollected(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate()).compose(qr -> service.scan(qr.qrData(), DEVICE)
                        .compose(paired -> store.revokeSessions(DEVICE, paired.sessionId()))
                        .compose(revoked -> service.awaitPairing(qr.token())))
                .onComplete(expect(ctx, FailureReason.INVALID_SESSION, "Invalid or expired session"));
    }

    @Test
    @DisplayName("a correctly signed token whose session is not in the database is refused")
    void sessionMustExist(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> {
            String jwt = new SessionTokens(vertx, config.jwt()).issue("no-such-session", DEVICE, Instant.now().plusSeconds(3600));
            return service.verifySession(jwt);
        }).onComplete(expect(ctx, FailureReason.INVALID_SESSION, "Invalid or expired session"));
    }

    @Test
    @DisplayName("a correctly signed token naming another phone than its session's is refused")
    void sessionMustBelongToDevice(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> service.generate())
                .compose(qr -> service.scan(qr.qrData(), DEVICE))
                .compose(paired -> service.verifySession(
                        new SessionTokens(vertx, config.jwt()).issue(paired.sessionId(), "another-device", paired.expiresAt())))
                .onComplete(expect(ctx, FailureReason.INVALID_SESSION, "Invalid or expired session"));
    }

    // ---- REST ----

    private Future<WebClient> http(Vertx vertx) {
        Router router = Router.router(vertx);
        PairingRoutes.mount(router, service);
        return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .map(HttpServer::actualPort)
                .map(port -> WebClient.create(vertx, new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port)));
    }

    @Test
    @DisplayName("REST: generate-qr, wait-pairing and verify answer in the original's shapes")
    void restHappyPath(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> http(vertx)).compose(client -> client.get("/api/auth/generate-qr").send().compose(gen -> {
            ctx.verify(() -> {
                assertJson(gen, 200);
                JsonObject body = gen.bodyAsJsonObject();
                assertThat(body.fieldNames()).containsExactly("success", "data");
                assertThat(body.getBoolean("success")).isTrue();
                // The original's fields first, then the image handle (an extension old clients ignore).
                assertThat(body.getJsonObject("data").fieldNames()).containsExactly("qrData", "token", "expiresIn", "imageId");
                assertThat(body.getJsonObject("data").getLong("expiresIn")).isEqualTo(300_000L);
            });
            JsonObject data = gen.bodyAsJsonObject().getJsonObject("data");
            Future<HttpResponse<Buffer>> waiting = client.post("/api/auth/wait-pairing")
                    .sendJsonObject(new JsonObject().put("token", data.getString("token")));
            return delay(vertx, 300)
                    .compose(v -> service.scan(data.getString("qrData"), DEVICE))
                    .compose(paired -> waiting)
                    .compose(wait -> {
                        ctx.verify(() -> {
                            assertJson(wait, 200);
                            assertThat(wait.bodyAsJsonObject().getBoolean("success")).isTrue();
                            assertThat(wait.bodyAsJsonObject().getJsonObject("data").fieldNames()).containsExactly("sessionToken");
                        });
                        String jwt = wait.bodyAsJsonObject().getJsonObject("data").getString("sessionToken");
                        return client.post("/api/auth/verify").sendJsonObject(new JsonObject().put("sessionToken", jwt));
                    })
                    .map(verify -> {
                        ctx.verify(() -> {
                            assertJson(verify, 200);
                            assertThat(verify.bodyAsJsonObject()).isEqualTo(new JsonObject().put("success", true)
                                    .put("data", new JsonObject().put("deviceId", DEVICE)));
                        });
                        return null;
                    });
        })).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("REST: wait-pairing answers 408 Pairing timeout when the QR expires, 404 for an unknown token")
    void restTimeoutAndUnknown(Vertx vertx, VertxTestContext ctx) {
        start(vertx, Duration.ofMillis(500)).compose(v -> http(vertx)).compose(client -> service.generate()
                .compose(qr -> client.post("/api/auth/wait-pairing").sendJsonObject(new JsonObject().put("token", qr.token())))
                .compose(timeout -> {
                    ctx.verify(() -> {
                        assertJson(timeout, 408);
                        assertThat(timeout.bodyAsJsonObject()).isEqualTo(new JsonObject().put("success", false).put("error", "Pairing timeout"));
                    });
                    return client.post("/api/auth/wait-pairing").sendJsonObject(new JsonObject().put("token", PairingSecrets.newWaiterToken()));
                })
                .map(unknown -> {
                    ctx.verify(() -> {
                        assertJson(unknown, 404);
                        assertThat(unknown.bodyAsJsonObject()).isEqualTo(new JsonObject().put("success", false).put("error", "Unknown pairing token"));
                    });
                    return null;
                })).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("REST: verify answers 401 for a correctly signed token whose session does not exist")
    void restVerifyUnknownSession(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> http(vertx)).compose(client -> client.post("/api/auth/verify").sendJsonObject(new JsonObject()
                        .put("sessionToken", new SessionTokens(vertx, config.jwt()).issue("nope", DEVICE, Instant.now().plusSeconds(60)))))
                .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
                    assertJson(r, 401);
                    assertThat(r.bodyAsJsonObject()).isEqualTo(new JsonObject().put("success", false).put("error", "Invalid or expired session"));
                    ctx.completeNow();
                })));
    }

    @Test
    @DisplayName("REST: the QR image of a live pairing is served as PNG and SVG by its image handle (not by the waiter token), uncached, and disappears once scanned")
    void restQrImages(Vertx vertx, VertxTestContext ctx) {
        start(vertx).compose(v -> http(vertx)).compose(client -> service.generate().compose(qr ->
                client.get("/api/auth/qr/" + qr.token() + ".png").send().compose(byToken -> {
                    ctx.verify(() -> assertJson(byToken, 404));
                    return client.get("/api/auth/qr/" + qr.imageId() + ".png?size=200").send();
                }).compose(png -> {
                    ctx.verify(() -> {
                        assertThat(png.statusCode()).isEqualTo(200);
                        assertThat(png.getHeader("Content-Type")).isEqualTo("image/png");
                        assertThat(png.getHeader("Cache-Control")).isEqualTo("no-store");
                        assertThat(png.body().getBytes(0, 4)).isEqualTo(new byte[]{(byte) 0x89, 'P', 'N', 'G'});
                    });
                    return client.get("/api/auth/qr/" + qr.imageId() + ".svg").send();
                }).compose(svg -> {
                    ctx.verify(() -> {
                        assertThat(svg.statusCode()).isEqualTo(200);
                        assertThat(svg.getHeader("Content-Type")).isEqualTo("image/svg+xml");
                        assertThat(svg.getHeader("Cache-Control")).isEqualTo("no-store");
                        assertThat(svg.bodyAsString()).contains("<svg", "viewBox=\"0 0 ");
                    });
                    return service.scan(qr.qrData(), DEVICE);
                }).compose(paired -> client.get("/api/auth/qr/" + qr.imageId() + ".png").send())
                        .map(gone -> {
                            ctx.verify(() -> {
                                assertJson(gone, 404);
                                assertThat(gone.bodyAsJsonObject().getBoolean("success")).isFalse();
                            });
                            return null;
                        })))
                .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    @DisplayName("REST: a browser that disconnects during wait-pairing stops the wait")
    void restDisconnectCancels(Vertx vertx, VertxTestContext ctx) {
        Router router = Router.router(vertx);
        start(vertx).compose(v -> {
            PairingRoutes.mount(router, service);
            return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1").map(HttpServer::actualPort);
        }).compose(port -> service.generate().compose(qr -> vertx.createNetClient().connect(port, "127.0.0.1").compose(socket -> {
            String body = new JsonObject().put("token", qr.token()).encode();
            socket.write("POST /api/auth/wait-pairing HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\n\r\n" + body);
            return delay(vertx, 300)
                    .compose(v -> {
                        ctx.verify(() -> assertThat(service.waitingHere()).isEqualTo(1));
                        return socket.close();
                    })
                    .compose(v -> delay(vertx, 300))
                    .compose(v -> noneWaiting());
        }))).onComplete(ctx.succeedingThenComplete());
    }

    // ---- helpers ----

    /** Succeeds if no long-poll is listed on the node any more. */
    private Future<Void> noneWaiting() {
        return service.waitingHere() == 0 ? Future.succeededFuture()
                : Future.failedFuture(new AssertionError(service.waitingHere() + " long-polls still listed"));
    }

    private static Future<Void> delay(Vertx vertx, long ms) {
        Promise<Void> p = Promise.promise();
        vertx.setTimer(ms, id -> p.complete());
        return p.future();
    }

    /** The reason a pairing operation failed (null when it succeeded). */
    private static Future<FailureReason> outcome(Future<?> f) {
        return f.transform(ar -> ar.succeeded()
                ? Future.succeededFuture(null)
                : ar.cause() instanceof PairingException p ? Future.succeededFuture(p.reason()) : Future.failedFuture(ar.cause()));
    }

    private static <T> io.vertx.core.Handler<io.vertx.core.AsyncResult<T>> expect(VertxTestContext ctx, FailureReason reason, String message) {
        return ctx.failing(e -> ctx.verify(() -> {
            assertThat(e).isInstanceOf(PairingException.class);
            assertThat(((PairingException) e).reason()).isEqualTo(reason);
            assertThat(e.getMessage()).isEqualTo(message);
            ctx.completeNow();
        }));
    }

    private static void assertJson(HttpResponse<?> r, int status) {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.getHeader("Content-Type")).isEqualTo("application/json; charset=utf-8");
    }
}
