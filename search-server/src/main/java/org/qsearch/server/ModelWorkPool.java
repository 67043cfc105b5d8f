package org.qsearch.server;

import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounded pool every piece of model work runs on. A fixed number of workers and a bounded
 * queue: when both are full the request is refused at once with 503 and Retry-After, instead of
 * waiting in an ever longer line.
 */
final class ModelWorkPool implements AutoCloseable {
    static final String RETRY_AFTER_SECONDS = "1";

    private final ThreadPoolExecutor executor;

    ModelWorkPool(int workers, int queueLimit) {
        AtomicInteger n = new AtomicInteger();
        // a SynchronousQueue when no queueing is allowed: ArrayBlockingQueue needs a capacity of 1 or more
        this.executor = new ThreadPoolExecutor(workers, workers, 0, TimeUnit.MILLISECONDS,
                queueLimit == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queueLimit),
                r -> Thread.ofPlatform().daemon().name("qsearch-model-" + n.incrementAndGet()).unstarted(r),
                new ThreadPoolExecutor.AbortPolicy());
    }

    /** Runs {@code work} on a worker and waits for it; its exception is rethrown as is. */
    <T> T call(Callable<T> work) throws Exception {
        Future<T> future;
        try {
            future = executor.submit(work);
        } catch (RejectedExecutionException e) {
            throw new ApiProblem(503, "Busy", "the server is at its limit of queued model work; retry shortly",
                    Map.of("Retry-After", RETRY_AFTER_SECONDS));
        }
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw e;
        }
    }

    int queued() {
        return executor.getQueue().size();
    }

    int active() {
        return executor.getActiveCount();
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
