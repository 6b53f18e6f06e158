//===- AutoGLMDialect.cpp - the autoglm dialect ---------------------------===//

#include "autoglm/Dialect/AutoGLM.h"
#include "autoglm/Dialect/SeparateOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::autoglm;

#include "autoglm/Dialect/AutoGLMDialect.cpp.inc"
#include "autoglm/Dialect/AutoGLMEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "autoglm/Dialect/AutoGLMAttrs.cpp.inc"

void AutoGLMDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "autoglm/Dialect/AutoGLMAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "autoglm/Dialect/AutoGLMOps.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "autoglm/Dialect/AutoGLMSeparateOps.cpp.inc"
      >();
}

Operation *AutoGLMDialect::materializeConstant(OpBuilder &builder,
                                               Attribute value, Type type,
                                               Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return ConstantOp::create(builder, loc, type, elements);
}

SmallVector<StringRef> mlir::autoglm::getNodeNames(Location loc) {
  SmallVector<StringRef> names;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner))
      if (!llvm::is_contained(names, named.getName().getValue()))
        names.push_back(named.getName().getValue());
    return WalkResult::advance();
  });
  return names;
}

StringRef mlir::autoglm::getNodeName(Location loc) {
  StringRef name;
  loc->walk([&](Location inner) {
    if (auto named = dyn_cast<NameLoc>(inner)) {
      name = named.getName().getValue();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return name;
}

bool mlir::autoglm::areCompatibleTypes(TypeRange inferred, TypeRange actual) {
  if (inferred.size() != actual.size())
    return false;
  for (auto [want, have] : llvm::zip(inferred, actual)) {
    if (want == have)
      continue;
    auto wantTensor = dyn_cast<RankedTensorType>(want);
    auto haveTensor = dyn_cast<RankedTensorType>(have);
    if (!wantTensor || !haveTensor ||
        wantTensor.getElementType() != haveTensor.getElementType() ||
        wantTensor.getRank() != haveTensor.getRank())
      return false;
    for (auto [w, h] : llvm::zip(wantTensor.getShape(), haveTensor.getShape()))
      if (!ShapedType::isDynamic(w) && !ShapedType::isDynamic(h) && w != h)
        return false;
  }
  return true;
}
