import io.pyroscope.labels.v2.LabelsSet;
import io.pyroscope.labels.v2.Pyroscope;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A JVM program for Pyroscope's Java agent (io.pyroscope:agent, attached with -javaagent by
 * tests/real_agents.rs; docs/agents.md#the-java-agent). Each kind of work has a method of its own:
 *
 *   cpu    Checkout.price, hot (HOT_ROUNDS rounds of arithmetic per request), and
 *          Search.rank, a third of it; each request under the label request=checkout or
 *          request=search (Pyroscope.LabelsWrapper)
 *   alloc  Catalog.load: 32 KiB arrays and HashMaps made and dropped
 *   lock   Ledger.post: four threads taking one monitor, each holding it 3 ms (asleep, so
 *          that the hot method stays Checkout.price)
 *   wall   Idle.nap: a thread sleeping 20 ms at a time
 *
 * Arguments: seconds to run. HOT_ROUNDS is a constant so that a second build of this file
 * (the test writes one with it tripled) is a new version of the program.
 */
public class AgentWorkload {
    static final int HOT_ROUNDS = 4_000_000;
    static volatile long sink;

    static final class Checkout {
        static long price(int seed) {
            long x = seed;
            for (int i = 0; i < HOT_ROUNDS; i++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
                x ^= x >>> 29;
            }
            return x;
        }
    }

    static final class Search {
        static long rank(int seed) {
            long x = seed;
            for (int i = 0; i < 4_000_000 / 3; i++) {
                x = x * 2862933555777941757L + 3037000493L;
                x ^= x >>> 31;
            }
            return x;
        }
    }

    static final class Catalog {
        static int load(int n) {
            int total = 0;
            for (int i = 0; i < n; i++) {
                long[] block = new long[4096];
                Map<Integer, long[]> index = new HashMap<>();
                index.put(i, block);
                total += index.size() + block.length;
            }
            return total;
        }
    }

    static final class Ledger {
        static final Object BOOK = new Object();

        static void post() {
            synchronized (BOOK) {
                try {
                    Thread.sleep(3);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                sink++;
            }
        }
    }

    static final class Idle {
        static void nap() throws InterruptedException {
            Thread.sleep(20);
        }
    }

    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 10;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(new Thread(() -> {
                while (System.nanoTime() < end) {
                    Ledger.post();
                }
            }, "ledger-" + t));
        }
        threads.add(new Thread(() -> {
            try {
                while (System.nanoTime() < end) {
                    Idle.nap();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "idle"));
        for (Thread t : threads) {
            t.setDaemon(true);
            t.start();
        }
        LabelsSet checkout = new LabelsSet("request", "checkout");
        LabelsSet search = new LabelsSet("request", "search");
        int seed = 0;
        while (System.nanoTime() < end) {
            final int s = seed++;
            Pyroscope.LabelsWrapper.run(checkout, () -> {
                sink += Checkout.price(s);
            });
            Pyroscope.LabelsWrapper.run(search, () -> {
                sink += Search.rank(s);
            });
            sink += Catalog.load(8);
        }
        for (Thread t : threads) {
            t.join();
        }
        // Let the agent upload what it profiled last (it uploads every PYROSCOPE_UPLOAD_INTERVAL).
        Thread.sleep(Long.parseLong(System.getProperty("workload.linger.ms", "0")));
    }
}
