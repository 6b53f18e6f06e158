//===- AutoGLMBase.td - autoglm dialect, enums, base classes --*- tablegen -*-===//
//
// The `autoglm` dialect: a small, tensor-level, value-semantics core into
// which the ONNX importer normalizes models and on which the graph passes
// work. docs/architecture.md describes the design and docs/ops.md is the
// reference generated from these files.
//
//===----------------------------------------------------------------------===//

#ifndef AUTOGLM_BASE_TD
#define AUTOGLM_BASE_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/CommonAttrConstraints.td"
include "mlir/IR/BuiltinAttributeInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def AutoGLM_Dialect : Dialect {
  let name = "autoglm";
  let cppNamespace = "::mlir::autoglm";
  let summary = "The AutoGLM inference-graph dialect";
  let description = [{
    A tensor-level dialect with value semantics over ranked tensors. It is a
    small canonical core, not a copy of ONNX: the importer maps ONNX's
    operators and opset variants onto these ops, so that every pass handles
    few ops. Elementwise ops broadcast like numpy. Dimensions may be dynamic
    (`?`) until the model is specialized; ops whose parameters determine a
    shape at run time (reshape, expand, fill, range) take them as operands,
    all other structural parameters are static attributes. One family
    works on buffers instead: the library calls (`autoglm.gemm`) a target
    selects after bufferization.
  }];
  let useDefaultAttributePrinterParser = 1;
  let hasConstantMaterializer = 1;
  let dependentDialects = ["::mlir::quant::QuantDialect"];

  // What one stage hands to a later one, on ops it does not own (the module,
  // function arguments and results). Each gets a generated helper,
  // e.g. `AutoGLMDialect::getWorkspaceAttrHelper(ctx).setAttr(module, ...)`.
  let discardableAttrs = (ins
    // The ONNX name of a graph input or output, on @main's arguments and
    // results: the importer sets it, the model signature reads it.
    "::mlir::StringAttr":$onnx_name,
    // The arena --autoglm-plan-memory planned, on the module: the emitted
    // descriptor's workspace size.
    "::mlir::autoglm::WorkspaceAttr":$workspace,
    // The weights --autoglm-externalize-weights moved into a file, on the
    // module: the emitted descriptor's weights fields.
    "::mlir::autoglm::WeightsAttr":$weights,
    // On an scf.for over a batch's images that
    // --autoglm-cpu-batch-loop made: --autoglm-plan-memory plans the
    // buffers of its body, which live within an iteration.
    "::mlir::UnitAttr":$batch_loop,
    // On such a loop built for several threads: the lanes (one a thread)
    // that each run every lanes-th image. --autoglm-plan-memory gives each
    // lane its own copy of the body's buffers, --autoglm-cpu-batch-lanes
    // runs the lanes on the runtime's threads.
    "::mlir::IntegerAttr":$batch_lanes
  );
}

//===----------------------------------------------------------------------===//
// Attributes handed between stages
//===----------------------------------------------------------------------===//

class AutoGLM_Attr<string name, string attrMnemonic>
    : AttrDef<AutoGLM_Dialect, name> {
  let mnemonic = attrMnemonic;
}

def AutoGLM_WorkspaceAttr : AutoGLM_Attr<"Workspace", "workspace"> {
  let summary = "the planned memory arena of a compiled model";
  let description = [{
    `bytes` of scratch memory, 64-byte aligned, that `@main` takes as its
    workspace argument; the runtime allocates it once per session.

    ```mlir
    module attributes {autoglm.workspace = #autoglm.workspace<bytes = 4096>}
    ```
  }];
  let parameters = (ins "uint64_t":$bytes);
  let assemblyFormat = "`<` struct(params) `>`";
}

def AutoGLM_WeightsAttr : AutoGLM_Attr<"Weights", "weights"> {
  let summary = "the weights file of a compiled model";
  let description = [{
    The file (a name without directory) that holds `bytes` of weights data
    after its header, identified by `fingerprint`
    (runtime/include/autoglm/model_abi.h describes the layout).

    ```mlir
    module attributes {autoglm.weights = #autoglm.weights<file = "m.weights",
                                                          bytes = 320,
                                                          fingerprint = 42>}
    ```
  }];
  let parameters = (ins "::mlir::StringAttr":$file, "uint64_t":$bytes,
                        "uint64_t":$fingerprint);
  let assemblyFormat = "`<` struct(params) `>`";
}

//===----------------------------------------------------------------------===//
// Enums
//===----------------------------------------------------------------------===//

class AutoGLM_I32Enum<string name, string summary, list<I32EnumAttrCase> cases>
    : I32EnumAttr<name, summary, cases> {
  let cppNamespace = "::mlir::autoglm";
  let genSpecializedAttr = 0;
}

def AutoGLM_CmpPredicate : AutoGLM_I32Enum<"CmpPredicate", "comparison predicate", [
  I32EnumAttrCase<"eq", 0>, I32EnumAttrCase<"ne", 1>, I32EnumAttrCase<"lt", 2>,
  I32EnumAttrCase<"le", 3>, I32EnumAttrCase<"gt", 4>, I32EnumAttrCase<"ge", 5>]>;
def AutoGLM_CmpPredicateAttr
    : EnumAttr<AutoGLM_Dialect, AutoGLM_CmpPredicate, "cmp_predicate"> {
  let assemblyFormat = "$value";
}

def AutoGLM_ReduceKind : AutoGLM_I32Enum<"ReduceKind", "reduction kind", [
  I32EnumAttrCase<"sum", 0>, I32EnumAttrCase<"mean", 1>,
  I32EnumAttrCase<"max", 2>, I32EnumAttrCase<"min", 3>,
  I32EnumAttrCase<"prod", 4>, I32EnumAttrCase<"l1", 5>,
  I32EnumAttrCase<"l2", 6>, I32EnumAttrCase<"log_sum", 7>,
  I32EnumAttrCase<"log_sum_exp", 8>, I32EnumAttrCase<"sum_square", 9>]>;
def AutoGLM_ReduceKindAttr
    : EnumAttr<AutoGLM_Dialect, AutoGLM_ReduceKind, "reduce_kind"> {
  let assemblyFormat = "$value";
}

def AutoGLM_ArgReduceKind : AutoGLM_I32Enum<"ArgReduceKind", "arg reduction kind", [
  I32EnumAttrCase<"argmax", 0>, I32EnumAttrCase<"argmin", 1>]>;
def AutoGLM_ArgReduceKindAttr
    : EnumAttr<AutoGLM_Dialect, AutoGLM_ArgReduceKind, "arg_reduce_kind"> {
  let assemblyFormat = "$value";
}

def AutoGLM_PoolKind : AutoGLM_I32Enum<"PoolKind", "pooling kind", [
  I32EnumAttrCase<"max", 0>, I32EnumAttrCase<"avg", 1>]>;
def AutoGLM_PoolKindAttr
    : EnumAttr<AutoGLM_Dialect, AutoGLM_PoolKind, "pool_kind"> {
  let assemblyFormat = "$value";
}

def AutoGLM_GeluApproximation : AutoGLM_I32Enum<"GeluApproximation",
    "GELU approximation", [
  I32EnumAttrCase<"none", 0>, I32EnumAttrCase<"tanh", 1>]>;
def AutoGLM_GeluApproximationAttr
    : EnumAttr<AutoGLM_Dialect, AutoGLM_GeluApproximation, "gelu_approximation"> {
  let assemblyFormat = "$value";
}

def AutoGLM_PadMode : AutoGLM_I32Enum<"PadMode", "padding mode", [
  I32EnumAttrCase<"constant", 0>, I32EnumAttrCase<"reflect", 1>,
  I32EnumAttrCase<"edge", 2>, I32EnumAttrCase<"wrap", 3>]>;
def AutoGLM_PadModeAttr : EnumAttr<AutoGLM_Dialect, AutoGLM_PadMode, "pad_mode"> {
  let assemblyFormat = "$value";
}

def AutoGLM_ResizeMode : AutoGLM_I32Enum<"ResizeMode", "resize interpolation", [
  I32EnumAttrCase<"nearest", 0>, I32EnumAttrCase<"linear", 1>,
  I32EnumAttrCase<"cubic", 2>]>;
def AutoGLM_ResizeModeAttr
    : EnumAttr<AutoGLM_Dialect, AutoGLM_ResizeMode, "resize_mode"> {
  let assemblyFormat = "$value";
}

def AutoGLM_CoordinateTransform : AutoGLM_I32Enum<"CoordinateTransform",
    "resize coordinate transformation", [
  I32EnumAttrCase<"half_pixel", 0>, I32EnumAttrCase<"asymmetric", 1>,
  I32EnumAttrCase<"align_corners", 2>, I32EnumAttrCase<"pytorch_half_pixel", 3>,
  I32EnumAttrCase<"half_pixel_symmetric", 4>, I32EnumAttrCase<"tf_crop_and_resize", 5>]>;
def AutoGLM_CoordinateTransformAttr
    : EnumAttr<AutoGLM_Dialect, AutoGLM_CoordinateTransform, "coordinate_transform"> {
  let assemblyFormat = "$value";
}

def AutoGLM_NearestRounding : AutoGLM_I32Enum<"NearestRounding",
    "rounding used by nearest-neighbour resize", [
  I32EnumAttrCase<"round_prefer_floor", 0>, I32EnumAttrCase<"round_prefer_ceil", 1>,
  I32EnumAttrCase<"floor", 2>, I32EnumAttrCase<"ceil", 3>]>;
def AutoGLM_NearestRoundingAttr
    : EnumAttr<AutoGLM_Dialect, AutoGLM_NearestRounding, "nearest_rounding"> {
  let assemblyFormat = "$value";
}

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def AutoGLM_AnyFloat : AnyTypeOf<[F16, BF16, F32, F64]>;
def AutoGLM_AnyInt : AnyTypeOf<[I1, I8, I16, I32, I64, UI8, UI16, UI32, UI64]>;
def AutoGLM_FloatTensor : RankedTensorOf<[AutoGLM_AnyFloat]>;
def AutoGLM_IntTensor : RankedTensorOf<[AutoGLM_AnyInt]>;
def AutoGLM_BoolTensor : RankedTensorOf<[I1]>;
def AutoGLM_IndexTensor : RankedTensorOf<[I32, I64]>;
def AutoGLM_NumericTensor : RankedTensorOf<[AutoGLM_AnyFloat, AutoGLM_AnyInt]>;
def AutoGLM_Tensor : RankedTensorOf<[AnyType]>;
// A 1-D tensor of i64 holding a shape or a list of sizes, as ONNX passes them.
def AutoGLM_ShapeTensor : 1DTensorOf<[I64]>;
def AutoGLM_ScalarTensor : 0DTensorOf<[AutoGLM_AnyFloat, AutoGLM_AnyInt]>;

//===----------------------------------------------------------------------===//
// Base classes
//===----------------------------------------------------------------------===//

class AutoGLM_Op<string mnemonic, list<Trait> traits = []>
    : Op<AutoGLM_Dialect, mnemonic, traits>;

// An op whose result types are inferred from its operands and attributes. The
// declared result types must agree with the inferred ones wherever both know
// a dimension; either may be more static than the other.
class AutoGLM_InferredOp<string mnemonic, list<Trait> traits = []>
    : AutoGLM_Op<mnemonic, traits # [Pure, InferTypeOpAdaptorWithIsCompatible]> {
  let extraClassDefinition = [{
    bool $cppClass::isCompatibleReturnTypes(::mlir::TypeRange inferred,
                                            ::mlir::TypeRange actual) {
      return ::mlir::autoglm::areCompatibleTypes(inferred, actual);
    }
  }];
}

#endif // AUTOGLM_BASE_TD
