#include "narformer/distributed/process_group.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include "narformer/core/error.h"
#include "narformer/core/hash.h"

namespace narformer {

namespace {

std::string beat_key(int64_t rank) {
  return "narformer/beat/" + std::to_string(rank);
}

std::vector<uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

/// A store client of its own (a TCPStore connection is not shared between threads).
c10::intrusive_ptr<c10d::TCPStore> connect_store(const LaunchEnv& env,
                                                 std::chrono::milliseconds timeout) {
  c10d::TCPStoreOptions options;
  options.port = static_cast<uint16_t>(env.master_port);
  options.isServer = false;
  options.waitWorkers = false;
  options.timeout = timeout;
  return c10::make_intrusive<c10d::TCPStore>(env.master_addr, options);
}

/// The first line of an exception's message (c10d appends a C++ stack trace).
std::string first_line(const std::exception& e) {
  std::string message = e.what();
  if (const auto newline = message.find('\n'); newline != std::string::npos)
    message.resize(newline);
  return message;
}

}  // namespace

struct DataParallelGroup::Backend {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
  c10::intrusive_ptr<c10d::TCPStore> beat_store;  ///< the heartbeat thread's connection
  std::chrono::milliseconds timeout{0};
  std::string where;  ///< "rank R of N (host:port)", for messages

  std::thread beat;
  std::mutex mutex;
  std::condition_variable stop_signal;
  bool stopping = false;

  void start_beating(const std::string& key) {
    beat = std::thread([this, key] {
      std::unique_lock<std::mutex> lock(mutex);
      while (!stopping) {
        try {
          beat_store->add(key, 1);
        } catch (const std::exception&) {
          return;  // the store is gone: the main thread's next collective says so
        }
        stop_signal.wait_for(lock, std::chrono::seconds(1));
      }
    });
  }

  ~Backend() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stopping = true;
    }
    stop_signal.notify_all();
    if (beat.joinable()) beat.join();
  }
};

template <typename F>
void DataParallelGroup::collective(const char* what, F&& f) {
  try {
    f();
  } catch (const RunError&) {
    throw;
  } catch (const std::exception& e) {
    fail(what, first_line(e));
  }
}

void DataParallelGroup::fail(const std::string& what, const std::string& cause) {
  const Backend& b = *backend_;
  std::string who;
  try {
    // Beats of every rank now and 2.5 s later; a counter that did not move is a rank gone.
    auto read = [&] {
      std::vector<int64_t> beats;
      for (int64_t r = 0; r < world_size_; ++r)
        beats.push_back(b.beat_store->check({beat_key(r)}) ? b.beat_store->add(beat_key(r), 0)
                                                           : -1);
      return beats;
    };
    const std::vector<int64_t> before = read();
    std::this_thread::sleep_for(std::chrono::milliseconds(2500));
    const std::vector<int64_t> after = read();
    for (int64_t r = 0; r < world_size_; ++r)
      if (before[static_cast<size_t>(r)] == after[static_cast<size_t>(r)])
        who += (who.empty() ? "rank " : ", rank ") + std::to_string(r);
    who = who.empty() ? "every rank is alive, so one is stuck or slower than the timeout (" +
                            std::to_string(b.timeout.count() / 1000) + " s)"
                      : who + " stopped (no heartbeat)";
  } catch (const std::exception&) {
    who = "rank 0 stopped (the store it serves is gone)";
  }
  throw RunError(what + " failed on " + b.where + ": " + who + "; " + cause);
}

DataParallelGroup::DataParallelGroup(const LaunchEnv& env, std::chrono::milliseconds timeout)
    : backend_(std::make_unique<Backend>()), rank_(env.rank), world_size_(env.world_size) {
  Backend& b = *backend_;
  b.timeout = timeout;
  b.where = "rank " + std::to_string(env.rank) + " of " + std::to_string(env.world_size) + " (" +
            env.master_addr + ":" + std::to_string(env.master_port) + ")";
  try {
    c10d::TCPStoreOptions store;
    store.port = static_cast<uint16_t>(env.master_port);
    store.isServer = env.rank == 0;
    store.numWorkers = static_cast<size_t>(env.world_size);
    store.waitWorkers = true;
    store.timeout = timeout;
    b.store = c10::make_intrusive<c10d::TCPStore>(env.master_addr, store);
    auto options = c10d::ProcessGroupGloo::Options::create();
    options->timeout = timeout;
    // Ranks of one machine (a loopback master) talk over loopback; otherwise each rank uses
    // the interface its hostname resolves to, as PyTorch does.
    const bool local = env.master_addr == "127.0.0.1" || env.master_addr == "localhost";
    options->devices.push_back(local ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                     : c10d::ProcessGroupGloo::createDefaultDevice());
    b.gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(b.store, static_cast<int>(env.rank),
                                                         static_cast<int>(env.world_size), options);
    b.beat_store = connect_store(env, timeout);
  } catch (const std::exception& e) {
    throw RunError("joining the process group failed on " + b.where + ": " + first_line(e));
  }
  b.start_beating(beat_key(env.rank));
}

DataParallelGroup::~DataParallelGroup() = default;

void DataParallelGroup::all_reduce_sum(std::vector<torch::Tensor>& tensors) {
  if (world_size_ == 1 || tensors.empty()) return;
  // One flat buffer, one collective: c10d reads a list as copies of one tensor (one per
  // device), not as several tensors.
  std::vector<torch::Tensor> flat;
  for (const torch::Tensor& t : tensors) flat.push_back(t.reshape({-1}));
  torch::Tensor bucket = torch::cat(flat);
  start_all_reduce_sum(bucket)();
  int64_t offset = 0;
  for (torch::Tensor& t : tensors) {
    t.copy_(bucket.narrow(0, offset, t.numel()).view_as(t));
    offset += t.numel();
  }
}

std::function<void()> DataParallelGroup::start_all_reduce_sum(torch::Tensor flat) {
  if (world_size_ == 1) return [] {};
  auto tensors = std::make_shared<std::vector<torch::Tensor>>(1, std::move(flat));
  c10::intrusive_ptr<c10d::Work> work;
  collective("all-reduce", [&] { work = backend_->gloo->allreduce(*tensors); });
  return [this, work, tensors] { collective("all-reduce", [&] { work->wait(); }); };
}

std::vector<torch::Tensor> DataParallelGroup::all_gather(const torch::Tensor& tensor) {
  std::vector<torch::Tensor> inputs = {tensor.contiguous()};
  if (world_size_ == 1) return inputs;
  std::vector<std::vector<torch::Tensor>> outputs(1);
  for (int64_t r = 0; r < world_size_; ++r) outputs[0].push_back(torch::empty_like(inputs[0]));
  collective("all-gather", [&] { backend_->gloo->allgather(outputs, inputs)->wait(); });
  return outputs[0];
}

void DataParallelGroup::barrier() {
  if (world_size_ == 1) return;
  collective("barrier", [&] { backend_->gloo->barrier()->wait(); });
}

void DataParallelGroup::require_same(const std::string& what, const std::string& value) {
  if (world_size_ == 1) return;
  const std::string key = "narformer/same/" + what;
  std::string reference;
  collective("comparing settings", [&] {
    if (rank_ == 0) backend_->store->set(key, bytes_of(value));
    const std::vector<uint8_t> stored = backend_->store->get(key);  // waits for rank 0
    reference.assign(stored.begin(), stored.end());
  });
  if (reference != value)
    throw ConfigError("rank " + std::to_string(rank_) + " was started with another " + what +
                      " than rank 0 (hash " + fnv1a64_hex(value) + " vs " + fnv1a64_hex(reference) +
                      ")");
  barrier();  // rank 0 checks nothing, so it learns of a mismatch from this barrier failing
}

}  // namespace narformer
