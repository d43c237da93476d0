// The JVM the JFR tests and bench record (tests/real_jvm.rs, benches/jfr.rs): one hot method
// (Hot.spin), one allocating method (Alloc.churn), two threads contending on one monitor
// (Contend.hold). Usage: java Workload SECONDS
import java.util.ArrayList;
import java.util.List;

class Hot {
    static volatile double sink;

    static void spin(long until) {
        double x = 1.0;
        while (System.nanoTime() < until) {
            for (int i = 0; i < 10_000; i++) {
                x = Math.sqrt(x * 1.0000001 + i);
            }
            sink = x;
        }
    }
}

class Alloc {
    static volatile Object keep;

    static void churn(long until) {
        List<byte[]> batch = new ArrayList<>();
        while (System.nanoTime() < until) {
            for (int i = 0; i < 1_000; i++) {
                batch.add(new byte[1024 + (i % 64) * 64]);
            }
            keep = batch;
            batch = new ArrayList<>();
        }
    }
}

class Contend {
    static final Object LOCK = new Object();

    static void hold(long until) {
        while (System.nanoTime() < until) {
            synchronized (LOCK) {
                try {
                    Thread.sleep(25);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }
}

public class Workload {
    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 3;
        long until = System.nanoTime() + seconds * 1_000_000_000L;
        List<Thread> threads = new ArrayList<>();
        threads.add(new Thread(() -> Alloc.churn(until), "alloc"));
        threads.add(new Thread(() -> Contend.hold(until), "contend-1"));
        threads.add(new Thread(() -> Contend.hold(until), "contend-2"));
        for (Thread t : threads) {
            t.start();
        }
        Hot.spin(until);
        for (Thread t : threads) {
            t.join();
        }
    }
}
