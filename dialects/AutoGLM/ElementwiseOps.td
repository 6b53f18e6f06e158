//===- ElementwiseOps.td - broadcasting elementwise ops ---*- tablegen -*-===//

#ifndef AUTOGLM_ELEMENTWISE_OPS_TD
#define AUTOGLM_ELEMENTWISE_OPS_TD

include "AutoGLMBase.td"

// Trait marker used by passes (cluster fusion) to find elementwise ops.
def AutoGLM_ElementwiseTrait : NativeOpTrait<"autoglm::Elementwise"> {
  let cppNamespace = "::mlir::OpTrait";
}

//===----------------------------------------------------------------------===//
// Binary
//===----------------------------------------------------------------------===//

class AutoGLM_BinaryOp<string mnemonic, Type operandType, list<Trait> traits = []>
    : AutoGLM_InferredOp<mnemonic, traits # [AutoGLM_ElementwiseTrait,
                                             SameOperandsElementType]> {
  let arguments = (ins operandType:$lhs, operandType:$rhs);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
  let description = [{
    Elementwise `}] # mnemonic # [{` of two tensors with numpy broadcasting:
    dimensions are aligned from the right and a dimension of size 1
    stretches to match the other operand.
  }];
}

def AutoGLM_AddOp : AutoGLM_BinaryOp<"add", AutoGLM_NumericTensor, [Commutative]> {
  let summary = "elementwise addition";
  let hasFolder = 1;
}
def AutoGLM_SubOp : AutoGLM_BinaryOp<"sub", AutoGLM_NumericTensor> {
  let summary = "elementwise subtraction";
  let hasFolder = 1;
}
def AutoGLM_MulOp : AutoGLM_BinaryOp<"mul", AutoGLM_NumericTensor, [Commutative]> {
  let summary = "elementwise multiplication";
  let hasFolder = 1;
}
def AutoGLM_DivOp : AutoGLM_BinaryOp<"div", AutoGLM_NumericTensor> {
  let summary = "elementwise division (integer division truncates toward zero)";
  let hasFolder = 1;
}
def AutoGLM_PowOp : AutoGLM_BinaryOp<"pow", AutoGLM_NumericTensor> {
  let summary = "elementwise power";
}
def AutoGLM_MaxOp : AutoGLM_BinaryOp<"max", AutoGLM_NumericTensor, [Commutative]> {
  let summary = "elementwise maximum (NaN propagates)";
}
def AutoGLM_MinOp : AutoGLM_BinaryOp<"min", AutoGLM_NumericTensor, [Commutative]> {
  let summary = "elementwise minimum (NaN propagates)";
}
def AutoGLM_RemOp : AutoGLM_BinaryOp<"rem", AutoGLM_NumericTensor> {
  let summary = "elementwise remainder";
  let description = [{
    Remainder with the sign of the divisor (Python `%`), or with the sign of
    the dividend (C `fmod`) when `fmod` is set; both for integer and
    floating-point operands.
  }];
  let arguments = (ins AutoGLM_NumericTensor:$lhs, AutoGLM_NumericTensor:$rhs,
                       UnitAttr:$fmod);
}
def AutoGLM_AndOp : AutoGLM_BinaryOp<"and", AutoGLM_IntTensor, [Commutative]> {
  let summary = "elementwise bitwise and (logical and on i1)";
}
def AutoGLM_OrOp : AutoGLM_BinaryOp<"or", AutoGLM_IntTensor, [Commutative]> {
  let summary = "elementwise bitwise or (logical or on i1)";
}
def AutoGLM_XorOp : AutoGLM_BinaryOp<"xor", AutoGLM_IntTensor, [Commutative]> {
  let summary = "elementwise bitwise exclusive or (logical on i1)";
}
def AutoGLM_ShiftLeftOp : AutoGLM_BinaryOp<"shift_left", AutoGLM_IntTensor> {
  let summary = "elementwise lhs << rhs";
  let description = [{
    A shift by a negative amount or by the bit width or more gives 0.
  }];
}
def AutoGLM_ShiftRightOp : AutoGLM_BinaryOp<"shift_right", AutoGLM_IntTensor> {
  let summary = "elementwise lhs >> rhs";
  let description = [{
    Arithmetic (sign-extending) for signed element types, logical for
    unsigned ones. A shift by a negative amount or by the bit width or more
    gives what the sign extension alone gives: -1 for a negative signed
    `lhs` and 0 otherwise.
  }];
}

def AutoGLM_CmpOp : AutoGLM_InferredOp<"cmp", [AutoGLM_ElementwiseTrait,
                                              SameOperandsElementType]> {
  let summary = "elementwise comparison with broadcasting, giving i1";
  let description = [{
    Compares two tensors elementwise under numpy broadcasting. The result
    holds `true` where `lhs <predicate> rhs`. Comparisons with NaN are false
    except `ne`.

    ```mlir
    %m = autoglm.cmp lt, %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xi1>
    ```
  }];
  let arguments = (ins AutoGLM_CmpPredicateAttr:$predicate,
                       AutoGLM_NumericTensor:$lhs, AutoGLM_NumericTensor:$rhs);
  let results = (outs AutoGLM_BoolTensor:$result);
  let assemblyFormat = [{
    `` $predicate `,` $lhs `,` $rhs attr-dict `:` functional-type(operands, results)
  }];
}

def AutoGLM_SelectOp : AutoGLM_InferredOp<"select", [AutoGLM_ElementwiseTrait]> {
  let summary = "elementwise choice between two tensors (ONNX Where)";
  let description = [{
    `result[i] = condition[i] ? true_value[i] : false_value[i]`, with all
    three operands broadcast together.
  }];
  let arguments = (ins AutoGLM_BoolTensor:$condition, AutoGLM_Tensor:$true_value,
                       AutoGLM_Tensor:$false_value);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = [{
    $condition `,` $true_value `,` $false_value attr-dict `:`
    functional-type(operands, results)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Unary
//===----------------------------------------------------------------------===//

class AutoGLM_UnaryOp<string mnemonic, Type tensorType, list<Trait> traits = []>
    : AutoGLM_InferredOp<mnemonic, traits # [AutoGLM_ElementwiseTrait]> {
  let arguments = (ins tensorType:$input);
  let results = (outs tensorType:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def AutoGLM_NegOp : AutoGLM_UnaryOp<"neg", AutoGLM_NumericTensor> {
  let summary = "elementwise negation";
}
def AutoGLM_AbsOp : AutoGLM_UnaryOp<"abs", AutoGLM_NumericTensor> {
  let summary = "elementwise absolute value";
}
def AutoGLM_SignOp : AutoGLM_UnaryOp<"sign", AutoGLM_NumericTensor> {
  let summary = "elementwise sign (-1, 0 or 1)";
}
def AutoGLM_ReluOp : AutoGLM_UnaryOp<"relu", AutoGLM_NumericTensor> {
  let summary = "elementwise max(x, 0)";
}
def AutoGLM_ExpOp : AutoGLM_UnaryOp<"exp", AutoGLM_FloatTensor> {
  let summary = "elementwise e^x";
}
def AutoGLM_LogOp : AutoGLM_UnaryOp<"log", AutoGLM_FloatTensor> {
  let summary = "elementwise natural logarithm";
}
def AutoGLM_SqrtOp : AutoGLM_UnaryOp<"sqrt", AutoGLM_FloatTensor> {
  let summary = "elementwise square root";
}
def AutoGLM_RsqrtOp : AutoGLM_UnaryOp<"rsqrt", AutoGLM_FloatTensor> {
  let summary = "elementwise reciprocal square root";
}
def AutoGLM_ReciprocalOp : AutoGLM_UnaryOp<"reciprocal", AutoGLM_FloatTensor> {
  let summary = "elementwise 1/x";
}
def AutoGLM_TanhOp : AutoGLM_UnaryOp<"tanh", AutoGLM_FloatTensor> {
  let summary = "elementwise hyperbolic tangent";
}
def AutoGLM_ErfOp : AutoGLM_UnaryOp<"erf", AutoGLM_FloatTensor> {
  let summary = "elementwise error function";
}
def AutoGLM_SigmoidOp : AutoGLM_UnaryOp<"sigmoid", AutoGLM_FloatTensor> {
  let summary = "elementwise 1 / (1 + e^-x)";
}
def AutoGLM_SinOp : AutoGLM_UnaryOp<"sin", AutoGLM_FloatTensor> {
  let summary = "elementwise sine";
}
def AutoGLM_CosOp : AutoGLM_UnaryOp<"cos", AutoGLM_FloatTensor> {
  let summary = "elementwise cosine";
}
def AutoGLM_FloorOp : AutoGLM_UnaryOp<"floor", AutoGLM_FloatTensor> {
  let summary = "elementwise floor";
}
def AutoGLM_CeilOp : AutoGLM_UnaryOp<"ceil", AutoGLM_FloatTensor> {
  let summary = "elementwise ceiling";
}
def AutoGLM_RoundOp : AutoGLM_UnaryOp<"round", AutoGLM_FloatTensor> {
  let summary = "elementwise round half to even";
}
def AutoGLM_SoftplusOp : AutoGLM_UnaryOp<"softplus", AutoGLM_FloatTensor> {
  let summary = "elementwise log(1 + e^x)";
}
def AutoGLM_TanOp : AutoGLM_UnaryOp<"tan", AutoGLM_FloatTensor> {
  let summary = "elementwise tangent";
}
def AutoGLM_AsinOp : AutoGLM_UnaryOp<"asin", AutoGLM_FloatTensor> {
  let summary = "elementwise arcsine";
}
def AutoGLM_AcosOp : AutoGLM_UnaryOp<"acos", AutoGLM_FloatTensor> {
  let summary = "elementwise arccosine";
}
def AutoGLM_AtanOp : AutoGLM_UnaryOp<"atan", AutoGLM_FloatTensor> {
  let summary = "elementwise arctangent";
}
def AutoGLM_SinhOp : AutoGLM_UnaryOp<"sinh", AutoGLM_FloatTensor> {
  let summary = "elementwise hyperbolic sine";
}
def AutoGLM_CoshOp : AutoGLM_UnaryOp<"cosh", AutoGLM_FloatTensor> {
  let summary = "elementwise hyperbolic cosine";
}
def AutoGLM_AsinhOp : AutoGLM_UnaryOp<"asinh", AutoGLM_FloatTensor> {
  let summary = "elementwise inverse hyperbolic sine";
}
def AutoGLM_AcoshOp : AutoGLM_UnaryOp<"acosh", AutoGLM_FloatTensor> {
  let summary = "elementwise inverse hyperbolic cosine";
}
def AutoGLM_AtanhOp : AutoGLM_UnaryOp<"atanh", AutoGLM_FloatTensor> {
  let summary = "elementwise inverse hyperbolic tangent";
}
def AutoGLM_NotOp : AutoGLM_UnaryOp<"not", AutoGLM_IntTensor> {
  let summary = "elementwise bitwise not (logical not on i1)";
}

def AutoGLM_GeluOp : AutoGLM_UnaryOp<"gelu", AutoGLM_FloatTensor> {
  let summary = "Gaussian error linear unit";
  let description = [{
    `x * Φ(x)`, exactly with `erf` (`approximation = none`) or with the tanh
    approximation (`approximation = tanh`).
  }];
  let arguments = (ins AutoGLM_FloatTensor:$input,
      DefaultValuedAttr<AutoGLM_GeluApproximationAttr,
                        "::mlir::autoglm::GeluApproximation::none">:$approximation);
}

def AutoGLM_LeakyReluOp : AutoGLM_UnaryOp<"leaky_relu", AutoGLM_FloatTensor> {
  let summary = "elementwise x >= 0 ? x : alpha * x";
  let arguments = (ins AutoGLM_FloatTensor:$input,
                       DefaultValuedAttr<F64Attr, "0.01">:$alpha);
}

def AutoGLM_EluOp : AutoGLM_UnaryOp<"elu", AutoGLM_FloatTensor> {
  let summary = "elementwise x >= 0 ? x : alpha * (e^x - 1)";
  let arguments = (ins AutoGLM_FloatTensor:$input,
                       DefaultValuedAttr<F64Attr, "1.0">:$alpha);
}

def AutoGLM_HardSigmoidOp : AutoGLM_UnaryOp<"hard_sigmoid", AutoGLM_FloatTensor> {
  let summary = "elementwise max(0, min(1, alpha * x + beta))";
  let arguments = (ins AutoGLM_FloatTensor:$input,
                       DefaultValuedAttr<F64Attr, "0.2">:$alpha,
                       DefaultValuedAttr<F64Attr, "0.5">:$beta);
}

def AutoGLM_ClipOp : AutoGLM_UnaryOp<"clip", AutoGLM_NumericTensor> {
  let summary = "elementwise clamp to [min, max]";
  let description = [{
    Clamps each element to `[min, max]`; an absent bound is unbounded. Clip
    with `min = 0, max = 6` is ReLU6.
  }];
  let arguments = (ins AutoGLM_NumericTensor:$input, OptionalAttr<F64Attr>:$min,
                       OptionalAttr<F64Attr>:$max);
  let hasVerifier = 1;
}

def AutoGLM_CastOp : AutoGLM_Op<"cast", [Pure, AutoGLM_ElementwiseTrait,
                                        SameOperandsAndResultShape]> {
  let summary = "elementwise conversion to another element type";
  let description = [{
    Converts each element to the result's element type. Float to integer
    truncates toward zero; to `i1` gives `x != 0`.
  }];
  let arguments = (ins AutoGLM_Tensor:$input);
  let results = (outs AutoGLM_Tensor:$result);
  let assemblyFormat = "$input attr-dict `:` type($input) `to` type($result)";
  let hasFolder = 1;
}

#endif // AUTOGLM_ELEMENTWISE_OPS_TD
