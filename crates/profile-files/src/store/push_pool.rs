//! The threads that decode and keep pushes, each at a lower scheduling priority than the HTTP
//! workers (nice 19 on Linux;
//! docs/performance.md#push-threads-below-the-http-workers-on-a-quiet-machine-issue-46). A burst of
//! big pushes uses every idle core, yet never keeps one from a request such as `/health/live`: on
//! tokio's blocking pool, 16 pushes of 16 MiB decoding at once shared two cores with the workers as
//! equals, and `/health/live` waited 58 ms at p99 on an idle machine (6 ms on these threads).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// The nice value of a push thread: below every thread of the default priority.
const NICE: i32 = 19;

/// The push threads, fed one job at a time.
pub struct PushPool {
    jobs: Mutex<Sender<Job>>,
}

/// A job that ended without an answer: it panicked, or the pool is gone.
#[derive(Debug, thiserror::Error)]
#[error("the push's work ended without an outcome (it panicked, or the service is stopping)")]
pub struct Unfinished;

impl PushPool {
    /// `threads` push threads (at least one), named `push-N`.
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("push-{n}"))
                .spawn(move || serve(&queue))?;
        }
        Ok(PushPool {
            jobs: Mutex::new(jobs),
        })
    }

    /// `work`'s outcome, computed on a push thread.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Unfinished> {
        let (answer, outcome) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job)
            .map_err(|_| Unfinished)?;
        outcome.await.map_err(|_| Unfinished)
    }
}

/// One push thread: lowers its own priority, then runs jobs until the pool is dropped; a job
/// that panics loses its answer, not the thread.
fn serve(queue: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        let job = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        match job {
            Ok(job) => {
                let _ = catch_unwind(AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

/// Sets this thread's nice value to [`NICE`] (Linux schedules threads by their own nice).
#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: gettid and setpriority read and change only this thread's scheduling priority.
    let done = unsafe {
        let tid = libc::syscall(libc::SYS_gettid);
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, NICE)
    };
    if done != 0 {
        tracing::debug!("a push thread keeps the default priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::PushPool;

    #[tokio::test]
    async fn jobs_run_on_the_push_threads_and_a_panic_loses_only_its_answer() {
        let pool = PushPool::new(2).unwrap();
        let name = pool
            .run(|| std::thread::current().name().map(str::to_owned))
            .await
            .unwrap();
        assert!(name.is_some_and(|n| n.starts_with("push-")));
        assert!(pool.run(|| panic!("a bad push")).await.is_err());
        let answers = futures_util::future::join_all((0..8).map(|k| pool.run(move || k * 2))).await;
        let answers: Vec<i32> = answers.into_iter().map(Result::unwrap).collect();
        assert_eq!(answers, [0, 2, 4, 6, 8, 10, 12, 14]);
        #[cfg(target_os = "linux")]
        {
            // SAFETY: reads this thread's own priority.
            let nice = pool
                .run(|| unsafe {
                    libc::getpriority(
                        libc::PRIO_PROCESS,
                        libc::syscall(libc::SYS_gettid) as libc::id_t,
                    )
                })
                .await
                .unwrap();
            assert_eq!(nice, 19);
        }
    }
}
