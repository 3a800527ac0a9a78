// WorkerPool: a fixed set of threads running queued tasks, so that handlers that write to the
// log or query PostgreSQL never block Pistache's I/O threads (DESIGN.md §8.4). The queue is
// bounded: TrySubmit refuses work when it is full, and the caller answers 503. Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace switchboard::api {

class WorkerPool {
 public:
  WorkerPool(int threads, std::size_t max_queued);
  ~WorkerPool();  // Shutdown()
  // Refuses new tasks, runs the ones already queued, joins the threads. Idempotent.
  void Shutdown();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  [[nodiscard]] bool TrySubmit(std::function<void()> task);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::size_t max_queued_;
  std::vector<std::thread> threads_;
};

}  // namespace switchboard::api
