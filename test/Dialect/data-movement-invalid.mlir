// RUN: autoglm-opt %s -split-input-file -verify-diagnostics

// Verifier and type-inference errors of the shape and layout ops.

func.func @constant_type_mismatch() {
  // expected-error @+1 {{'autoglm.constant' op failed to verify that all of {value, result} have same type}}
  %0 = "autoglm.constant"() <{value = dense<1.0> : tensor<4xf32>}> : () -> tensor<3xf32>
  return
}

// -----

func.func @reshape_element_type(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'autoglm.reshape' op result element type differs from the input's}}
  %0 = autoglm.reshape %x : (tensor<2x3xf32>) -> tensor<6xf16>
  return
}

// -----

func.func @reshape_element_count(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'autoglm.reshape' op cannot reshape 6 elements into 8 elements}}
  %0 = autoglm.reshape %x : (tensor<2x3xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @reshape_static_into_two_dynamic(%x: tensor<2x3xf32>) {
  // expected-error @+1 {{'autoglm.reshape' op needs a shape operand to reshape into more than one dynamic dimension}}
  %0 = autoglm.reshape %x : (tensor<2x3xf32>) -> tensor<?x?xf32>
  return
}

// -----

// Also for a dynamic input: the sizes would be ambiguous, and making the
// input static (--autoglm-infer-shapes) must not invalidate a reshape.
func.func @reshape_dynamic_into_two_dynamic(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'autoglm.reshape' op needs a shape operand to reshape into more than one dynamic dimension}}
  %0 = autoglm.reshape %x : (tensor<?x4xf32>) -> tensor<?x?x2xf32>
  return
}

// -----

func.func @reshape_shape_length(%x: tensor<2x3xf32>, %s: tensor<3xi64>) {
  // expected-error @+1 {{'autoglm.reshape' op shape operand has 3 entries but the result has rank 2}}
  %0 = autoglm.reshape %x, %s : (tensor<2x3xf32>, tensor<3xi64>) -> tensor<?x?xf32>
  return
}

// -----

func.func @reshape_shape_i32(%x: tensor<2x3xf32>, %s: tensor<2xi32>) {
  // expected-error @+1 {{'autoglm.reshape' op operand #1 must be 1D tensor of 64-bit signless integer values, but got 'tensor<2xi32>'}}
  %0 = autoglm.reshape %x, %s : (tensor<2x3xf32>, tensor<2xi32>) -> tensor<?x?xf32>
  return
}

// -----

func.func @transpose_permutation_length(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{permutation has 3 entries for an input of rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.transpose %x, [1, 0, 2] : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @transpose_permutation_repeats(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{permutation must hold each dimension in [0, 2) exactly once}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.transpose %x, [1, 1] : (tensor<2x3xf32>) -> tensor<3x3xf32>
  return
}

// -----

func.func @transpose_permutation_out_of_range(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{permutation must hold each dimension in [0, 2) exactly once}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.transpose %x, [0, 2] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_wrong_result(%x: tensor<2x3xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<3x2xf32>' are incompatible with return type(s) of operation 'tensor<2x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.transpose %x, [1, 0] : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

// (Concat's own "needs at least one input" is unreachable from the parser:
// the SameOperandsElementType trait rejects an empty operand list first.)
func.func @concat_no_inputs() {
  // expected-error @+1 {{'autoglm.concat' op expected 1 or more operands, but found 0}}
  %0 = autoglm.concat {axis = 0 : i64} : () -> tensor<0xf32>
  return
}

// -----

func.func @concat_axis_out_of_range(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.concat %a, %a {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_rank_differs(%a: tensor<2x3xf32>, %b: tensor<3xf32>) {
  // expected-error @+2 {{all inputs must have rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_dimension_differs(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) {
  // expected-error @+2 {{inputs differ in dimension 0 (2 vs 4)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>) -> tensor<2x6xf32>
  return
}

// -----

// A `?` in the first input takes the size of a later one, which a third
// input then contradicts.
func.func @concat_dimension_differs_after_dynamic(%a: tensor<?x3xf32>, %b: tensor<2x3xf32>, %c: tensor<5x3xf32>) {
  // expected-error @+2 {{inputs differ in dimension 0 (2 vs 5)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.concat %a, %b, %c {axis = 1 : i64} : (tensor<?x3xf32>, tensor<2x3xf32>, tensor<5x3xf32>) -> tensor<2x9xf32>
  return
}

// -----

func.func @concat_element_types_differ(%a: tensor<2x3xf32>, %b: tensor<2x3xf16>) {
  // expected-error @+1 {{'autoglm.concat' op requires the same element type for all operands}}
  %0 = autoglm.concat %a, %b {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf16>) -> tensor<2x6xf32>
  return
}

// -----

func.func @concat_wrong_result(%a: tensor<2x3xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2x6xf32>' are incompatible with return type(s) of operation 'tensor<2x5xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.concat %a, %a {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @split_axis_out_of_range(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = autoglm.split %x {axis = 2 : i64, sizes = array<i64: 2, 8>} : (tensor<4x10xf32>) -> (tensor<4x2xf32>, tensor<4x8xf32>)
  return
}

// -----

// A split without results and without sizes.
func.func @split_no_sizes(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{sizes must name at least one piece}}
  // expected-error @+1 {{failed to infer returned types}}
  autoglm.split %x {axis = 1 : i64, sizes = array<i64>} : (tensor<4x10xf32>) -> ()
  return
}

// -----

func.func @split_negative_size(%x: tensor<4x?xf32>) {
  // expected-error @+2 {{sizes must be non-negative}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = autoglm.split %x {axis = 1 : i64, sizes = array<i64: -2, 8>} : (tensor<4x?xf32>) -> (tensor<4x?xf32>, tensor<4x8xf32>)
  return
}

// -----

func.func @split_sizes_sum(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{sizes add up to 9 but dimension 1 is 10}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = autoglm.split %x {axis = 1 : i64, sizes = array<i64: 2, 7>} : (tensor<4x10xf32>) -> (tensor<4x2xf32>, tensor<4x7xf32>)
  return
}

// -----

func.func @split_result_count(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'autoglm.split' op has 3 results but 2 sizes}}
  %0:3 = autoglm.split %x {axis = 1 : i64, sizes = array<i64: 2, 8>} : (tensor<4x10xf32>) -> (tensor<4x2xf32>, tensor<4x8xf32>, tensor<4x8xf32>)
  return
}

// -----

func.func @split_wrong_result(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<4x2xf32>', 'tensor<4x8xf32>' are incompatible with return type(s) of operation 'tensor<4x3xf32>', 'tensor<4x7xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = autoglm.split %x {axis = 1 : i64, sizes = array<i64: 2, 8>} : (tensor<4x10xf32>) -> (tensor<4x3xf32>, tensor<4x7xf32>)
  return
}

// -----

func.func @slice_attribute_lengths(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{starts, ends and steps need one entry per dimension (2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.slice %x {ends = array<i64: 4>, starts = array<i64: 0>, steps = array<i64: 1>} : (tensor<4x10xf32>) -> tensor<4x10xf32>
  return
}

// -----

// Regression: the verifier read starts[d] past the end of `starts` for the
// extra steps before type inference could report the length mismatch.
func.func @slice_attribute_lengths_backward(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{starts, ends and steps need one entry per dimension (2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.slice %x {ends = array<i64: 0>, starts = array<i64: 1>, steps = array<i64: -1, -1, -1, -1>} : (tensor<4x10xf32>) -> tensor<1xf32>
  return
}

// -----

func.func @slice_step_zero(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{steps must be non-zero}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.slice %x {ends = array<i64: 4, 10>, starts = array<i64: 0, 0>, steps = array<i64: 1, 0>} : (tensor<4x10xf32>) -> tensor<4x10xf32>
  return
}

// -----

func.func @slice_end_past_dimension(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{slice bounds [0, 11) are outside dimension 1 of size 10}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.slice %x {ends = array<i64: 4, 11>, starts = array<i64: 0, 0>, steps = array<i64: 1, 1>} : (tensor<4x10xf32>) -> tensor<4x11xf32>
  return
}

// -----

// Static dimensions take normalized bounds only (dynamic ones keep ONNX's
// run-time meaning, see data-movement.mlir).
func.func @slice_negative_start_static(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{slice bounds [-1, 3) are outside dimension 1 of size 10}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.slice %x {ends = array<i64: 4, 3>, starts = array<i64: 0, -1>, steps = array<i64: 1, 1>} : (tensor<4x10xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @slice_end_below_minus_one(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{slice bounds [3, -2) are outside dimension 0 of size 4}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.slice %x {ends = array<i64: -2, 10>, starts = array<i64: 3, 0>, steps = array<i64: -1, 1>} : (tensor<4x10xf32>) -> tensor<5x10xf32>
  return
}

// -----

func.func @slice_backward_from_end(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'autoglm.slice' op a backward slice of dimension 0 must start inside it}}
  %0 = autoglm.slice %x {ends = array<i64: -1, 10>, starts = array<i64: 4, 0>, steps = array<i64: -1, 1>} : (tensor<4x10xf32>) -> tensor<5x10xf32>
  return
}

// -----

func.func @slice_wrong_result(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2x10xf32>' are incompatible with return type(s) of operation 'tensor<4x10xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.slice %x {ends = array<i64: 4, 10>, starts = array<i64: 0, 0>, steps = array<i64: 2, 1>} : (tensor<4x10xf32>) -> tensor<4x10xf32>
  return
}

// -----

func.func @gather_axis_out_of_range(%x: tensor<4x10xf32>, %i: tensor<3xi64>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.gather %x, %i {axis = 2 : i64} : (tensor<4x10xf32>, tensor<3xi64>) -> tensor<4x3xf32>
  return
}

// -----

func.func @gather_float_indices(%x: tensor<4x10xf32>, %i: tensor<3xf32>) {
  // expected-error @+1 {{'autoglm.gather' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<3xf32>'}}
  %0 = autoglm.gather %x, %i {axis = 0 : i64} : (tensor<4x10xf32>, tensor<3xf32>) -> tensor<3x10xf32>
  return
}

// -----

func.func @gather_wrong_result(%x: tensor<4x10xf32>, %i: tensor<3xi64>) {
  // expected-error @+2 {{inferred type(s) 'tensor<3x10xf32>' are incompatible with return type(s) of operation 'tensor<4x3xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.gather %x, %i {axis = 0 : i64} : (tensor<4x10xf32>, tensor<3xi64>) -> tensor<4x3xf32>
  return
}

// -----

func.func @gather_elements_rank(%x: tensor<4x10xf32>, %i: tensor<3xi64>) {
  // expected-error @+2 {{data and indices must have the same rank}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.gather_elements %x, %i {axis = 0 : i64} : (tensor<4x10xf32>, tensor<3xi64>) -> tensor<3xf32>
  return
}

// -----

func.func @gather_elements_axis(%x: tensor<4x10xf32>, %i: tensor<4x2xi64>) {
  // expected-error @+2 {{axis -1 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.gather_elements %x, %i {axis = -1 : i64} : (tensor<4x10xf32>, tensor<4x2xi64>) -> tensor<4x2xf32>
  return
}

// -----

func.func @pad_count(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{expected 4 pads (begins then ends), got 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pad %x {pads = array<i64: 1, 1>} : (tensor<4x10xf32>) -> tensor<5x11xf32>
  return
}

// -----

func.func @pad_crop_below_zero(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{negative pads crop dimension 0 below zero}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pad %x {pads = array<i64: -3, 0, -2, 0>} : (tensor<4x10xf32>) -> tensor<0x10xf32>
  return
}

// -----

func.func @pad_negative_reflect(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'autoglm.pad' op negative pads are only allowed in constant mode}}
  %0 = autoglm.pad %x {mode = #autoglm<pad_mode reflect>, pads = array<i64: -1, 0, 0, 0>} : (tensor<4x10xf32>) -> tensor<3x10xf32>
  return
}

// -----

func.func @pad_wrong_result(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<6x10xf32>' are incompatible with return type(s) of operation 'tensor<5x10xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.pad %x {pads = array<i64: 1, 0, 1, 0>} : (tensor<4x10xf32>) -> tensor<5x10xf32>
  return
}

// -----

func.func @pad_bool(%x: tensor<4xindex>) {
  // expected-error @+1 {{'autoglm.pad' op operand #0 must be ranked tensor of}}
  %0 = autoglm.pad %x {pads = array<i64: 1, 0>} : (tensor<4xindex>) -> tensor<5xindex>
  return
}

// -----

func.func @expand_element_type(%x: tensor<3x1xf32>) {
  // expected-error @+1 {{'autoglm.expand' op result element type differs from the input's}}
  %0 = autoglm.expand %x : (tensor<3x1xf32>) -> tensor<3x4xf16>
  return
}

// -----

func.func @expand_rank_below_input(%x: tensor<2x3x1xf32>) {
  // expected-error @+1 {{'autoglm.expand' op result rank 2 is below the input rank 3}}
  %0 = autoglm.expand %x : (tensor<2x3x1xf32>) -> tensor<3x4xf32>
  return
}

// -----

func.func @expand_not_broadcastable(%x: tensor<3x2xf32>) {
  // expected-error @+1 {{operand shapes are not broadcast-compatible: dimension 1 is 2 in one operand and 4 in another}}
  %0 = autoglm.expand %x : (tensor<3x2xf32>) -> tensor<3x4xf32>
  return
}

// -----

// Without a shape operand, the result cannot be wider than the broadcast.
func.func @expand_not_the_broadcast(%x: tensor<3x4xf32>) {
  // expected-error @+1 {{'autoglm.expand' op result shape is not the broadcast of the input}}
  %0 = autoglm.expand %x : (tensor<3x4xf32>) -> tensor<3x1xf32>
  return
}

// -----

func.func @tile_count(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{expected 2 repeats, got 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.tile %x {repeats = array<i64: 2>} : (tensor<4x10xf32>) -> tensor<8x10xf32>
  return
}

// -----

func.func @tile_negative(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{repeats must be non-negative}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.tile %x {repeats = array<i64: 1, -1>} : (tensor<4x10xf32>) -> tensor<4x10xf32>
  return
}

// -----

func.func @tile_wrong_result(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<8x30xf32>' are incompatible with return type(s) of operation 'tensor<8x10xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.tile %x {repeats = array<i64: 2, 3>} : (tensor<4x10xf32>) -> tensor<8x10xf32>
  return
}

// -----

func.func @resize_rank(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'autoglm.resize' op result rank differs from input rank}}
  %0 = autoglm.resize nearest %x : (tensor<1x3x8x8xf32>) -> tensor<3x16x16xf32>
  return
}

// -----

func.func @resize_element_type(%x: tensor<1x3x8x8xf32>) {
  // expected-error @+1 {{'autoglm.resize' op result element type differs from the input's}}
  %0 = autoglm.resize linear %x : (tensor<1x3x8x8xf32>) -> tensor<1x3x16x16xf16>
  return
}

// -----

func.func @resize_integer(%x: tensor<1x3x8x8xi8>) {
  // expected-error @+1 {{'autoglm.resize' op operand #0 must be ranked tensor of 16-bit float or bfloat16 type or 32-bit float or 64-bit float values}}
  %0 = autoglm.resize nearest %x : (tensor<1x3x8x8xi8>) -> tensor<1x3x16x16xi8>
  return
}

// -----

func.func @topk_axis(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{axis 2 is out of range for rank 2}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = autoglm.topk %x {axis = 2 : i64, k = 3 : i64} : (tensor<4x10xf32>) -> (tensor<4x3xf32>, tensor<4x3xi64>)
  return
}

// -----

func.func @topk_k_too_large(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{k = 11 is outside [0, 10]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = autoglm.topk %x {axis = 1 : i64, k = 11 : i64} : (tensor<4x10xf32>) -> (tensor<4x11xf32>, tensor<4x11xi64>)
  return
}

// -----

func.func @topk_k_negative(%x: tensor<4x?xf32>) {
  // expected-error @+2 {{k = -1 is outside [0, ?]}}
  // expected-error @+1 {{failed to infer returned types}}
  %0:2 = autoglm.topk %x {axis = 1 : i64, k = -1 : i64} : (tensor<4x?xf32>) -> (tensor<4x?xf32>, tensor<4x?xi64>)
  return
}

// -----

func.func @topk_indices_not_i64(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'autoglm.topk' op result #1 must be ranked tensor of 64-bit signless integer values, but got 'tensor<4x3xi32>'}}
  %0:2 = autoglm.topk %x {axis = 1 : i64, k = 3 : i64} : (tensor<4x10xf32>) -> (tensor<4x3xf32>, tensor<4x3xi32>)
  return
}

// -----

func.func @shape_of_wrong_length(%x: tensor<4x10xf32>) {
  // expected-error @+2 {{inferred type(s) 'tensor<2xi64>' are incompatible with return type(s) of operation 'tensor<3xi64>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = autoglm.shape_of %x : (tensor<4x10xf32>) -> tensor<3xi64>
  return
}

// -----

func.func @shape_of_i32(%x: tensor<4x10xf32>) {
  // expected-error @+1 {{'autoglm.shape_of' op result #0 must be 1D tensor of 64-bit signless integer values, but got 'tensor<2xi32>'}}
  %0 = autoglm.shape_of %x : (tensor<4x10xf32>) -> tensor<2xi32>
  return
}

// -----

func.func @fill_value_type() {
  // expected-error @+1 {{'autoglm.fill' op value type 'f64' differs from the result element type 'f32'}}
  %0 = autoglm.fill {value = 1.0 : f64} : () -> tensor<2xf32>
  return
}

// -----

func.func @fill_shape_length(%s: tensor<3xi64>) {
  // expected-error @+1 {{'autoglm.fill' op shape operand has 3 entries but the result has rank 2}}
  %0 = autoglm.fill %s {value = 0 : i64} : (tensor<3xi64>) -> tensor<?x?xi64>
  return
}

// -----

func.func @fill_dynamic_without_shape() {
  // expected-error @+1 {{'autoglm.fill' op a dynamic result shape needs a shape operand}}
  %0 = autoglm.fill {value = 0 : i64} : () -> tensor<?x4xi64>
  return
}

// -----

func.func @fill_untyped_value() {
  // expected-error @+1 {{'autoglm.fill' op attribute 'value' failed to satisfy constraint: TypedAttr instance}}
  %0 = autoglm.fill {value} : () -> tensor<4xi64>
  return
}

// -----

func.func @range_result_element_type(%a: tensor<i64>) {
  // expected-error @+1 {{'autoglm.range' op result element type differs from the operands'}}
  %0 = autoglm.range %a, %a, %a : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi32>
  return
}

// -----

func.func @range_operand_element_types(%a: tensor<i64>, %b: tensor<i32>) {
  // expected-error @+1 {{'autoglm.range' op requires the same element type for all operands}}
  %0 = autoglm.range %a, %b, %a : (tensor<i64>, tensor<i32>, tensor<i64>) -> tensor<?xi64>
  return
}

// -----

func.func @range_operand_not_scalar(%a: tensor<1xi64>) {
  // expected-error @+1 {{'autoglm.range' op operand #0 must be 0D tensor of}}
  %0 = autoglm.range %a, %a, %a : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?xi64>
  return
}

// -----

func.func @trilu_rank1(%x: tensor<4xf32>) {
  // expected-error @+1 {{'autoglm.trilu' op input must have rank 2 or more}}
  %0 = autoglm.trilu %x : tensor<4xf32>
  return
}
