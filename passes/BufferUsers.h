//===- BufferUsers.h - the ops that touch a buffer through its views ------===//
//
// The buffer passes (PlanMemory's lifetimes, ResultsInPlace's last use)
// ask which ops touch a buffer: its own users and those of every view of
// it (subviews, reshapes, casts), the views included, and of the values a
// loop carries it as (an `scf.for` iter_args init: its iteration argument
// and its result).
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_PASSES_BUFFERUSERS_H
#define AUTOGLM_PASSES_BUFFERUSERS_H

#include "mlir/IR/Value.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::autoglm {
/// Every op that uses `buffer` or a view of it, views included.
inline SmallVector<Operation *> usersThroughViews(Value buffer) {
  SmallVector<Operation *> users;
  SmallVector<Value> worklist = {buffer};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      users.push_back(user);
      if (auto view = dyn_cast<ViewLikeOpInterface>(user))
        if (view.getViewSource() == value)
          llvm::append_range(worklist, user->getResults());
      // Null for an operand that is not one of the loop's inits.
      if (auto loop = dyn_cast<LoopLikeOpInterface>(user))
        for (Value carried : {Value(loop.getTiedLoopRegionIterArg(&use)),
                              Value(loop.getTiedLoopResult(&use))})
          if (carried)
            worklist.push_back(carried);
    }
  }
  return users;
}
} // namespace mlir::autoglm

#endif // AUTOGLM_PASSES_BUFFERUSERS_H
