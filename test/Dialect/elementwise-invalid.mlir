// RUN: autoglm-opt %s -split-input-file -verify-diagnostics

// Verifier and type-inference errors of the elementwise ops. A failed type
// inference reports its reason, then "failed to infer returned types".

func.func @add_not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{operand shapes are not broadcast-compatible: dimension 1 is 3 in one operand and 4 in another}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

// The mismatch is reported in the dimension of the broadcast result.
func.func @mul_not_broadcastable_leading(%a: tensor<5x1x4xf32>, %b: tensor<3x2x4xf32>) {
  // expected-error @+2 {{dimension 0 is 5 in one operand and 3 in another}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.mul %a, %b : (tensor<5x1x4xf32>, tensor<3x2x4xf32>) -> tensor<5x2x4xf32>
  return
}

// -----

func.func @add_wrong_result_shape(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{'autoglm.add' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<5xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.add %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<5xf32>
  return
}

// -----

func.func @sub_wrong_result_rank(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<1x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.sub %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  return
}

// -----

func.func @div_wrong_result_element(%a: tensor<4xf32>, %b: tensor<4xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<4xf16>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.div %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf16>
  return
}

// -----

func.func @add_mixed_element_types(%a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'autoglm.add' op requires the same element type for all operands}}
  %0 = autoglm.add %a, %b : (tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

func.func @add_non_numeric(%a: tensor<4xindex>) {
  // expected-error @+1 {{'autoglm.add' op operand #0 must be ranked tensor of}}
  %0 = autoglm.add %a, %a : (tensor<4xindex>, tensor<4xindex>) -> tensor<4xindex>
  return
}

// -----

func.func @add_unranked(%a: tensor<*xf32>) {
  // expected-error @+1 {{'autoglm.add' op operand #0 must be ranked tensor of}}
  %0 = autoglm.add %a, %a : (tensor<*xf32>, tensor<*xf32>) -> tensor<*xf32>
  return
}

// -----


func.func @and_on_float(%a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.and' op operand #0 must be ranked tensor of 1-bit signless integer or 8-bit signless integer or}}
  %0 = autoglm.and %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @shift_on_float(%a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.shift_right' op operand #0 must be ranked tensor of 1-bit signless integer or}}
  %0 = autoglm.shift_right %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @cmp_not_broadcastable(%a: tensor<3xf32>, %b: tensor<2xf32>) {
  // expected-error @+2 {{operand shapes are not broadcast-compatible: dimension 0 is 3 in one operand and 2 in another}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.cmp lt, %a, %b : (tensor<3xf32>, tensor<2xf32>) -> tensor<3xi1>
  return
}

// -----

func.func @cmp_result_not_bool(%a: tensor<3xf32>) {
  // expected-error @+1 {{'autoglm.cmp' op result #0 must be ranked tensor of 1-bit signless integer values, but got 'tensor<3xf32>'}}
  %0 = autoglm.cmp lt, %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @cmp_mixed_element_types(%a: tensor<3xf32>, %b: tensor<3xi32>) {
  // expected-error @+1 {{'autoglm.cmp' op requires the same element type for all operands}}
  %0 = autoglm.cmp eq, %a, %b : (tensor<3xf32>, tensor<3xi32>) -> tensor<3xi1>
  return
}

// -----

func.func @cmp_bad_predicate(%a: tensor<3xf32>) {
  // expected-error @+2 {{expected ::mlir::autoglm::CmpPredicate to be one of: eq, ne, lt, le, gt, ge}}
  // expected-error @+1 {{failed to parse AutoGLM_CmpPredicateAttr parameter 'value'}}
  %0 = autoglm.cmp equal, %a, %a : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  return
}

// -----

func.func @select_element_types_differ(%c: tensor<4xi1>, %a: tensor<4xf32>, %b: tensor<4xf16>) {
  // expected-error @+1 {{'autoglm.select' op true and false values must have the same element type}}
  %0 = autoglm.select %c, %a, %b : (tensor<4xi1>, tensor<4xf32>, tensor<4xf16>) -> tensor<4xf32>
  return
}

// -----

func.func @select_condition_not_bool(%c: tensor<4xi8>, %a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.select' op operand #0 must be ranked tensor of 1-bit signless integer values}}
  %0 = autoglm.select %c, %a, %a : (tensor<4xi8>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @select_not_broadcastable(%c: tensor<5xi1>, %a: tensor<4xf32>) {
  // expected-error @+2 {{operand shapes are not broadcast-compatible: dimension 0 is 5 in one operand and 4 in another}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.select %c, %a, %a : (tensor<5xi1>, tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return
}

// -----

func.func @exp_on_integers(%a: tensor<4xi32>) {
  // expected-error @+1 {{'autoglm.exp' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values, but got 'tensor<4xi32>'}}
  %0 = autoglm.exp %a : tensor<4xi32>
  return
}

// -----

func.func @gelu_on_integers(%a: tensor<4xi8>) {
  // expected-error @+1 {{'autoglm.gelu' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = autoglm.gelu %a : tensor<4xi8>
  return
}

// -----

func.func @not_on_float(%a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.not' op operand #0 must be ranked tensor of 1-bit signless integer or}}
  %0 = autoglm.not %a : tensor<4xf32>
  return
}

// -----

// A unary op's result type must agree with its operand's (generic form, since
// the custom form prints one type).
func.func @neg_wrong_result(%a: tensor<4xf32>) {
  // expected-error @+2 {{'autoglm.neg' op inferred type(s) 'tensor<4xf32>' are incompatible with return type(s) of operation 'tensor<3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "autoglm.neg"(%a) : (tensor<4xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @clip_min_exceeds_max(%a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.clip' op min (3.000000e+00) exceeds max (1.500000e+00)}}
  %0 = autoglm.clip %a {max = 1.5 : f64, min = 3.0 : f64} : tensor<4xf32>
  return
}

// -----

func.func @leaky_relu_alpha_not_f64(%a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.leaky_relu' op attribute 'alpha' failed to satisfy constraint: 64-bit float attribute}}
  %0 = autoglm.leaky_relu %a {alpha = 0.1 : f32} : tensor<4xf32>
  return
}

// -----

func.func @cast_shape_differs(%a: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.cast' op requires the same shape for all operands and results}}
  %0 = autoglm.cast %a : tensor<4xf32> to tensor<5xi32>
  return
}
