// The transfer and continual protocols (docs/suite-format.md, "Protocols"):
// how the runner trains and scores one population when the suite's protocol
// is not `standard`. Both run supervised families only (the loader refuses
// interactive ones and learners without LearnerInfo::can_continue).
//
// Every phase (pretraining, adapting, training from scratch, one stage of a
// stream) gets its own BudgetedSampler over its own split with its own budget
// and its own data streams: a phase can never draw past its budget, and a
// learner can never reach an earlier phase's data again (the sampler of that
// phase is gone; the learner keeps only what it learned).
//
// The scores go into ordinary trial records (results/results.h), one per
// (task, agent, budget, seed), under split names that say what was scored:
//
// transfer (budget = n adaptation samples per target):
//   source            the pretrained learner on fresh source draws
//   zero-shot/<t>     the pretrained learner on target t, before adapting
//   adapted/<t>       after continue_training on n samples of target t
//   scratch/<t>       a fresh learner trained on the same n samples of t
// The pretraining is the same in every population of an (agent, task): its
// seeds do not depend on the budget. Adapted and scratch learners see the
// same n target samples, and every learner of a seed index is scored on the
// same evaluation draws of a split (seeded by the instance), so the
// comparisons are paired.
//
// continual (budget = samples per stage; stages s_0 .. s_{T-1} in order):
//   untrained/<s_j>        the learner before any stage (trained on 0
//                          samples: initialized only), on stage j: b_j
//   after/<s_i>/<s_j>      after training through stage i, on stage j: R[i][j]
//
// A trial's samples_used: transfer, the target samples the adapted learners
// drew, summed over targets (the scratch learners draw the same ones; the
// pretraining's pretrain_budget source samples are not counted); continual,
// the samples of all stages. updates and train_seconds sum every phase.
#pragma once

#include <string>
#include <vector>

#include "hourglass/results/protocol_splits.h"
#include "hourglass/results/results.h"
#include "hourglass/run/plan.h"
#include "hourglass/suite/suite.h"

namespace hg {

// Trials of one population under suite.protocol (transfer or continual), in
// seed index order. Like run_population: a learner's failure is recorded in
// the trials, never thrown.
std::vector<TrialRecord> run_protocol_population(const Suite& suite, const Population& population,
                                                 const std::string& device);

}  // namespace hg
