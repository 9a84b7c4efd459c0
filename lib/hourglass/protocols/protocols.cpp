#include "hourglass/protocols/protocols.h"

#include <stdexcept>

#include "hourglass/protocols/phase.h"

namespace hg {

std::vector<TrialRecord> run_protocol_population(const Suite& suite, const Population& population,
                                                 const std::string& device_name) {
  const TaskSpec& task = suite.tasks.at(population.task);
  const AgentSpec& agent = suite.agents.at(population.agent);
  const FamilyInfo* family = FamilyRegistry::instance().find(task.family);
  const LearnerInfo* learner = LearnerRegistry::instance().find(agent.learner);
  if (!family || !learner) throw std::logic_error("unregistered family or learner");
  if (family->kind == TaskKind::kInteractive || !learner->make || !learner->can_continue)
    throw std::logic_error("protocol '" + suite.protocol +
                           "' needs a supervised family and a learner that can continue "
                           "(the suite loader should have refused this suite)");
  const c10::Device device(device_name);
  if (suite.protocol == kProtocolTransfer)
    return protocols::run_transfer(suite, population, *family, *learner, device);
  if (suite.protocol == kProtocolContinual)
    return protocols::run_continual(suite, population, *family, *learner, device);
  throw std::logic_error("run_protocol_population: protocol '" + suite.protocol + "'");
}

}  // namespace hg
