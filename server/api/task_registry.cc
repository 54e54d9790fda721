#include "server/api/task_registry.h"

#include "index/util/clock.h"

namespace holdfast {

void Task::Finish(int status, std::string body) {
  std::lock_guard<std::mutex> lock(mu_);
  done_ = true;
  end_ms_ = WallClockMs();
  status_ = status;
  body_ = std::move(body);
}

bool Task::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

std::optional<std::pair<int, std::string>> Task::response() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!done_) return std::nullopt;
  return std::make_pair(status_, body_);
}

int64_t Task::running_ms() const {
  std::lock_guard<std::mutex> lock(mu_);
  return (done_ ? end_ms_ : WallClockMs()) - start_ms_;
}

std::shared_ptr<Task> TaskRegistry::Create(std::string action, std::string description) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t n = next_++;
  auto task = std::make_shared<Task>(node_id_ + ":" + std::to_string(n), std::move(action), std::move(description),
                                     WallClockMs());
  tasks_[n] = task;
  Forget();
  return task;
}

bool TaskRegistry::RunInBackground(std::shared_ptr<Task> task, std::function<void(Task&)> work) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return false;
  // Threads of finished tasks are done (or about to be): joined here.
  for (auto it = threads_.begin(); it != threads_.end();) {
    if (it->first->done()) {
      it->second.join();
      it = threads_.erase(it);
    } else {
      ++it;
    }
  }
  std::thread thread([task, work = std::move(work)] { work(*task); });
  threads_.emplace_back(std::move(task), std::move(thread));
  return true;
}

std::shared_ptr<Task> TaskRegistry::Get(const std::string& id) const {
  const size_t colon = id.rfind(':');
  if (colon == std::string::npos || id.substr(0, colon) != node_id_) return nullptr;
  uint64_t n = 0;
  try {
    n = std::stoull(id.substr(colon + 1));
  } catch (...) {
    return nullptr;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = tasks_.find(n);
  return it == tasks_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Task>> TaskRegistry::Running() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<Task>> out;
  for (const auto& [n, task] : tasks_) {
    if (!task->done()) out.push_back(task);
  }
  return out;
}

void TaskRegistry::Stop() {
  std::vector<std::pair<std::shared_ptr<Task>, std::thread>> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    for (auto& [n, task] : tasks_) task->Cancel();
    threads.swap(threads_);
  }
  for (auto& [task, thread] : threads) thread.join();
}

void TaskRegistry::Forget() {
  size_t finished = 0;
  for (const auto& [n, task] : tasks_) finished += task->done();
  for (auto it = tasks_.begin(); finished > kKeptFinished && it != tasks_.end();) {
    if (it->second->done()) {
      it = tasks_.erase(it);
      --finished;
    } else {
      ++it;
    }
  }
}

}  // namespace holdfast
