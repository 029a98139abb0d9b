# Sourced by the scripts that point the load tool at a relay. The whole load comes from one address and its phones
# send far more than an app does, so the relay's per-IP and per-connection abuse limits are lifted, as behind a load
# balancer that does its own; idle connections that never identify (the memory runs) must not be closed.
export PAIRING_RATE_PER_MINUTE=0 MAX_CONNECTIONS_PER_IP=0 SOCKET_EVENTS_PER_SECOND=1000000 SOCKET_EVENT_BURST=1000000 \
  IDENTIFY_TIMEOUT_SECONDS=0
