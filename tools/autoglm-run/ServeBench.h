//===- ServeBench.h - a load generator in front of the batcher --*- C++ -*-===//
//
// `autoglm-run MODEL.so --serve-bench`: requests of --request-rows rows sent
// to an autoglm_batcher by --clients closed-loop threads (each waits for its
// answer, then sends the next) or at --rate requests per second with
// exponential gaps (open loop, Poisson), for --duration seconds, with
// --batching none|fixed|adaptive; prints the throughput and latency
// percentiles.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_RUN_SERVEBENCH_H
#define AUTOGLM_RUN_SERVEBENCH_H

#include "Options.h"

#include "autoglm/runtime.h"

namespace autoglm::run {
/// Runs the benchmark on `session` (the model of MODEL.so) and the sessions
/// of the --batch-model libraries; returns the exit status, printing an
/// error for a bad configuration.
int runServeBench(const Options &options, autoglm_session *session);
} // namespace autoglm::run

#endif // AUTOGLM_RUN_SERVEBENCH_H
