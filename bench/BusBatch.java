import com.hazelcast.config.Config;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.concurrent.atomic.AtomicLong;

/**
 * One side of a pair of clustered Vert.x nodes on loopback (the relay's Vert.x and Hazelcast, from its jar), for what
 * the clustered event bus costs a message that crosses nodes: "recv" consumes an address, "send" sends to it RATE
 * messages of SIZE bytes a second, every TICK ms, each message a bus message of its own (BATCH 1) or BATCH of them in
 * one. Run by bench/bus-batch.sh, which reads each process's CPU.
 *
 *   java -cp target/relay.jar bench/BusBatch.java recv|send HZ_PORT RATE SIZE BATCH TICK_MS
 */
public class BusBatch {
    public static void main(String[] args) throws Exception {
        String role = args[0];
        int hzPort = Integer.parseInt(args[1]);
        int rate = Integer.parseInt(args[2]);
        int size = Integer.parseInt(args[3]);
        int batch = Integer.parseInt(args[4]);
        int tick = Integer.parseInt(args[5]);
        Config hz = new Config().setClusterName("bus-batch");
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.getNetworkConfig().setPort(hzPort).setPortAutoIncrement(true);
        hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        var join = hz.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:5801").addMember("127.0.0.1:5802");
        Vertx vertx = Vertx.builder()
                .with(new io.vertx.core.VertxOptions().setEventLoopPoolSize(1)
                        .setEventBusOptions(new EventBusOptions().setHost("127.0.0.1")))
                .withClusterManager(new HazelcastClusterManager(hz))
                .buildClustered().await();
        AtomicLong count = new AtomicLong();
        if (role.equals("recv")) {
            vertx.eventBus().<Buffer>consumer("bus-batch", m -> {
                Buffer b = m.body();
                // one frame a message: a batch is its frames one after the other, each SIZE bytes
                count.addAndGet(b.length() / size);
            }).completion().await();
            vertx.setPeriodic(5000, t -> System.out.println("received " + count.get()));
            System.out.println("ready");
            return;
        }
        Thread.sleep(3000); // the consumer's registration reaches this node
        byte[] frame = new byte[size];
        java.util.Arrays.fill(frame, (byte) 'x');
        double perTick = rate * tick / 1000.0;
        double[] owed = {0};
        vertx.setPeriodic(tick, t -> {
            owed[0] += perTick;
            int n = (int) owed[0];
            owed[0] -= n;
            for (int sent = 0; sent < n; sent += batch) {
                int k = Math.min(batch, n - sent);
                Buffer b = Buffer.buffer(k * size);
                for (int i = 0; i < k; i++) {
                    b.appendBytes(frame);
                }
                vertx.eventBus().send("bus-batch", b);
            }
            count.addAndGet(n);
        });
        vertx.setPeriodic(5000, t -> System.out.println("sent " + count.get()));
        System.out.println("sending");
    }
}
