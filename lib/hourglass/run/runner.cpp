#include "hourglass/run/runner.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "hourglass/core/progress.h"
#include "hourglass/learners/learner.h"
#include "hourglass/run/protocol.h"
#include "hourglass/tasks/family.h"

namespace hg {

std::vector<TrialRecord> run_population(const Suite& suite, const Population& population,
                                        const std::string& device, const SealKey* seal) {
  const ProtocolInfo& protocol =
      suite.protocol.empty() ? default_protocol() : find_protocol(suite.protocol);
  const TaskSpec& task = suite.tasks.at(population.task);
  const AgentSpec& agent = suite.agents.at(population.agent);
  const FamilyInfo* family = FamilyRegistry::instance().find(task.family);
  const LearnerInfo* learner = LearnerRegistry::instance().find(agent.learner);
  if (!family || !learner) throw std::logic_error("unregistered family or learner");
  if (!protocol.run) throw std::logic_error("protocol '" + protocol.name + "' cannot run");
  return protocol.run({suite, population, *family, *learner, device, seal});
}

std::vector<TrialRecord> run_plan(
    const Suite& suite, const std::vector<Population>& plan, const RunnerOptions& options,
    const std::function<void(size_t, const std::vector<TrialRecord>&)>& on_done,
    const std::function<bool()>& stop) {
  std::vector<std::vector<TrialRecord>> done(plan.size());
  std::atomic<size_t> next{0};
  std::mutex mutex;
  std::exception_ptr error;

  auto worker = [&] {
    at::set_num_threads(options.threads_per_job);
    for (;;) {
      if (stop()) return;
      const size_t i = next.fetch_add(1);
      if (i >= plan.size()) return;
      try {
        const ScopedPopulationProgress progress(options.progress ? &options.progress[i] : nullptr);
        auto trials = run_population(suite, plan[i], options.device, options.seal);
        std::lock_guard<std::mutex> lock(mutex);
        if (error) return;
        on_done(i, trials);
        done[i] = std::move(trials);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!error) error = std::current_exception();
        next = plan.size();
        return;
      }
    }
  };

  const int jobs = std::max(1, std::min<int>(options.jobs, static_cast<int>(plan.size())));
  if (jobs == 1) {
    worker();
  } else {
    std::vector<std::thread> threads;
    threads.reserve(jobs);
    for (int j = 0; j < jobs; ++j) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
  }
  if (error) std::rethrow_exception(error);

  std::vector<TrialRecord> trials;
  for (auto& d : done)
    for (auto& t : d) trials.push_back(std::move(t));
  return trials;
}

}  // namespace hg
