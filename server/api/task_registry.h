// TaskRegistry: the long-running requests of this node that `GET /_tasks`
// reports — _reindex, _update_by_query and _delete_by_query — whether they
// answer when done or, with wait_for_completion=false, at once with a task
// id ("<node>:<n>") to poll. Finished tasks keep their response (the last
// kKeptFinished of them; Elasticsearch keeps them in a .tasks index, here
// they live as long as the process). Cancel marks a task; its work checks
// between batches. Stop cancels every task and joins the background ones
// (node shutdown, before the indices go). Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace holdfast {

// The progress counters of a by-query task (Elasticsearch's BulkByScrollTask.Status).
struct ByQueryCounters {
  std::atomic<uint64_t> total{0};
  std::atomic<uint64_t> created{0};
  std::atomic<uint64_t> updated{0};
  std::atomic<uint64_t> deleted{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> version_conflicts{0};
  std::atomic<uint64_t> noops{0};
};

class Task {
 public:
  Task(std::string id, std::string action, std::string description, int64_t start_ms)
      : id_(std::move(id)), action_(std::move(action)), description_(std::move(description)), start_ms_(start_ms) {}

  const std::string& id() const { return id_; }
  const std::string& action() const { return action_; }          // "indices:data/write/reindex"
  const std::string& description() const { return description_; }
  int64_t start_ms() const { return start_ms_; }
  ByQueryCounters& counters() { return counters_; }
  const ByQueryCounters& counters() const { return counters_; }

  void Cancel() { cancelled_ = true; }
  bool cancelled() const { return cancelled_; }

  // Done: the response body (or the error) and its HTTP status.
  void Finish(int status, std::string body);
  bool done() const;
  // The response once done.
  std::optional<std::pair<int, std::string>> response() const;
  int64_t running_ms() const;  // until now, or until it finished

 private:
  const std::string id_, action_, description_;
  const int64_t start_ms_;
  ByQueryCounters counters_;
  std::atomic<bool> cancelled_{false};
  mutable std::mutex mu_;
  bool done_ = false;
  int64_t end_ms_ = 0;
  int status_ = 0;
  std::string body_;
};

class TaskRegistry {
 public:
  static constexpr size_t kKeptFinished = 1000;

  explicit TaskRegistry(std::string node_id) : node_id_(std::move(node_id)) {}
  ~TaskRegistry() { Stop(); }

  // A new task, registered (listed while it runs).
  std::shared_ptr<Task> Create(std::string action, std::string description);
  // Runs `work` on a thread of its own; it must Finish the task.
  // kUnavailable-like false after Stop.
  bool RunInBackground(std::shared_ptr<Task> task, std::function<void(Task&)> work);
  std::shared_ptr<Task> Get(const std::string& id) const;  // null: unknown
  std::vector<std::shared_ptr<Task>> Running() const;
  const std::string& node_id() const { return node_id_; }
  // Cancels every task and waits for the background ones.
  void Stop();

 private:
  void Forget();  // drops the oldest finished tasks beyond kKeptFinished; mu_ held

  const std::string node_id_;
  mutable std::mutex mu_;
  bool stopped_ = false;
  uint64_t next_ = 1;
  std::map<uint64_t, std::shared_ptr<Task>> tasks_;  // by number
  std::vector<std::pair<std::shared_ptr<Task>, std::thread>> threads_;  // joined once their task is done
};

}  // namespace holdfast
