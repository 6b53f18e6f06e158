// RUN: autoglm-opt %s --autoglm-fuse=clusters=false | FileCheck %s

// Multi-head attention as exporters write it: K transposed straight from
// the reshaped projection ([0, 2, 3, 1]), a scale, an additive mask.
// CHECK-LABEL: func.func @mask_and_scale(
// CHECK-SAME:    %[[Q:[^:]+]]: tensor<1x4x8x16xf32>, %[[K3:[^:]+]]: tensor<1x8x4x16xf32>, %[[V:[^:]+]]: tensor<1x4x8x16xf32>, %[[M:[^:]+]]: tensor<1x1x1x8xf32>
// CHECK:         %[[K:.+]] = autoglm.transpose %[[K3]], [0, 2, 1, 3]
// CHECK-NEXT:    %[[A:.+]] = autoglm.attention %[[Q]], %[[K]], %[[V]], %[[M]] {scale = 2.500000e-01 : f64}
// CHECK-NEXT:    return %[[A]]
func.func @mask_and_scale(%q: tensor<1x4x8x16xf32>, %k: tensor<1x8x4x16xf32>, %v: tensor<1x4x8x16xf32>,
                          %mask: tensor<1x1x1x8xf32>) -> tensor<1x4x8x16xf32> {
  %scale = autoglm.constant dense<0.25> : tensor<f32>
  %kt = autoglm.transpose %k, [0, 2, 3, 1] : (tensor<1x8x4x16xf32>) -> tensor<1x4x16x8xf32>
  %s = autoglm.matmul %q, %kt : (tensor<1x4x8x16xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x8x8xf32>
  %ss = autoglm.mul %s, %scale : (tensor<1x4x8x8xf32>, tensor<f32>) -> tensor<1x4x8x8xf32>
  %sm = autoglm.add %ss, %mask : (tensor<1x4x8x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x4x8x8xf32>
  %p = autoglm.softmax %sm {axis = 3 : i64} : tensor<1x4x8x8xf32>
  %y = autoglm.matmul %p, %v : (tensor<1x4x8x8xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32>
  return %y : tensor<1x4x8x16xf32>
}

// Division by sqrt(d), no mask, Kᵀ given as it is (a transpose is made).
// CHECK-LABEL: func.func @div_no_mask(
// CHECK:         %[[K:.+]] = autoglm.transpose %arg1, [0, 1, 3, 2]
// CHECK-NEXT:    autoglm.attention %arg0, %[[K]], %arg2 {scale = 5.000000e-01 : f64} : (tensor<2x2x3x4xf32>, tensor<2x2x5x4xf32>, tensor<2x2x5x6xf32>) -> tensor<2x2x3x6xf32>
func.func @div_no_mask(%q: tensor<2x2x3x4xf32>, %kt: tensor<2x2x4x5xf32>, %v: tensor<2x2x5x6xf32>) -> tensor<2x2x3x6xf32> {
  %c = autoglm.constant dense<2.0> : tensor<f32>
  %s = autoglm.matmul %q, %kt : (tensor<2x2x3x4xf32>, tensor<2x2x4x5xf32>) -> tensor<2x2x3x5xf32>
  %ss = autoglm.div %s, %c : (tensor<2x2x3x5xf32>, tensor<f32>) -> tensor<2x2x3x5xf32>
  %p = autoglm.softmax %ss {axis = 3 : i64} : tensor<2x2x3x5xf32>
  %y = autoglm.matmul %p, %v : (tensor<2x2x3x5xf32>, tensor<2x2x5x6xf32>) -> tensor<2x2x3x6xf32>
  return %y : tensor<2x2x3x6xf32>
}

// After --precision=fp16: f16 products accumulated in f32, scores and
// softmax in f32, the probabilities cast to f16. It is f16 attention; the
// f32 mask is clamped to f16's range and cast (a masked key stays a finite
// penalty), and the cast of the result to f16 is the attention itself.
// CHECK-LABEL: func.func @mixed_precision(
// CHECK-SAME:    %[[Q:[^:]+]]: tensor<1x2x8x16xf16>, %[[K3:[^:]+]]: tensor<1x8x2x16xf16>, %[[V:[^:]+]]: tensor<1x2x8x16xf16>, %[[M:[^:]+]]: tensor<1x1x1x8xf32>
// CHECK-DAG:     %[[K:.+]] = autoglm.transpose %[[K3]], [0, 2, 1, 3]
// CHECK-DAG:     %[[C:.+]] = autoglm.clip %[[M]] {min = -6.550400e+04 : f64}
// CHECK-DAG:     %[[M16:.+]] = autoglm.cast %[[C]] : tensor<1x1x1x8xf32> to tensor<1x1x1x8xf16>
// CHECK:         %[[A:.+]] = autoglm.attention %[[Q]], %[[K]], %[[V]], %[[M16]] {scale = 2.500000e-01 : f64} : {{.+}} -> tensor<1x2x8x16xf16>
// CHECK-NEXT:    return %[[A]]
func.func @mixed_precision(%q: tensor<1x2x8x16xf16>, %k: tensor<1x8x2x16xf16>, %v: tensor<1x2x8x16xf16>,
                           %mask: tensor<1x1x1x8xf32>) -> tensor<1x2x8x16xf16> {
  %c = autoglm.constant dense<4.0> : tensor<f32>
  %kt = autoglm.transpose %k, [0, 2, 3, 1] : (tensor<1x8x2x16xf16>) -> tensor<1x2x16x8xf16>
  %s = autoglm.matmul %q, %kt {accumulator_type = f32} : (tensor<1x2x8x16xf16>, tensor<1x2x16x8xf16>) -> tensor<1x2x8x8xf32>
  %ss = autoglm.div %s, %c : (tensor<1x2x8x8xf32>, tensor<f32>) -> tensor<1x2x8x8xf32>
  %sm = autoglm.add %ss, %mask : (tensor<1x2x8x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x2x8x8xf32>
  %p = autoglm.softmax %sm {axis = 3 : i64} : tensor<1x2x8x8xf32>
  %p16 = autoglm.cast %p : tensor<1x2x8x8xf32> to tensor<1x2x8x8xf16>
  %y = autoglm.matmul %p16, %v {accumulator_type = f32} : (tensor<1x2x8x8xf16>, tensor<1x2x8x16xf16>) -> tensor<1x2x8x16xf32>
  %y16 = autoglm.cast %y : tensor<1x2x8x16xf32> to tensor<1x2x8x16xf16>
  return %y16 : tensor<1x2x8x16xf16>
}

// Mixed, but the product's f32 result is used as it is: a cast to f32
// follows the attention.
// CHECK-LABEL: func.func @mixed_precision_f32_result(
// CHECK:         %[[A:.+]] = autoglm.attention
// CHECK-NEXT:    %[[W:.+]] = autoglm.cast %[[A]] : tensor<1x1x4x8xf16> to tensor<1x1x4x8xf32>
// CHECK-NEXT:    return %[[W]]
func.func @mixed_precision_f32_result(%q: tensor<1x1x4x8xf16>, %kt: tensor<1x1x8x4xf16>, %v: tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf32> {
  %s = autoglm.matmul %q, %kt {accumulator_type = f32} : (tensor<1x1x4x8xf16>, tensor<1x1x8x4xf16>) -> tensor<1x1x4x4xf32>
  %p = autoglm.softmax %s {axis = 3 : i64} : tensor<1x1x4x4xf32>
  %p16 = autoglm.cast %p : tensor<1x1x4x4xf32> to tensor<1x1x4x4xf16>
  %y = autoglm.matmul %p16, %v {accumulator_type = f32} : (tensor<1x1x4x4xf16>, tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf32>
  return %y : tensor<1x1x4x8xf32>
}

// Not attention: the probabilities are cast to f16 but the products are
// f32 (no mixed pair).
// CHECK-LABEL: func.func @cast_without_mixed_products(
// CHECK-NOT:     autoglm.attention
func.func @cast_without_mixed_products(%q: tensor<1x1x4x8xf32>, %kt: tensor<1x1x8x4xf32>, %v: tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf16> {
  %s = autoglm.matmul %q, %kt : (tensor<1x1x4x8xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x4x4xf32>
  %p = autoglm.softmax %s {axis = 3 : i64} : tensor<1x1x4x4xf32>
  %p16 = autoglm.cast %p : tensor<1x1x4x4xf32> to tensor<1x1x4x4xf16>
  %y = autoglm.matmul %p16, %v : (tensor<1x1x4x4xf16>, tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf16>
  return %y : tensor<1x1x4x8xf16>
}

// Not attention: the probabilities are also a result.
// CHECK-LABEL: func.func @probabilities_second_user(
// CHECK-NOT:     autoglm.attention
func.func @probabilities_second_user(%q: tensor<1x1x3x4xf32>, %kt: tensor<1x1x4x5xf32>, %v: tensor<1x1x5x6xf32>)
    -> (tensor<1x1x3x6xf32>, tensor<1x1x3x5xf32>) {
  %s = autoglm.matmul %q, %kt : (tensor<1x1x3x4xf32>, tensor<1x1x4x5xf32>) -> tensor<1x1x3x5xf32>
  %p = autoglm.softmax %s {axis = 3 : i64} : tensor<1x1x3x5xf32>
  %y = autoglm.matmul %p, %v : (tensor<1x1x3x5xf32>, tensor<1x1x5x6xf32>) -> tensor<1x1x3x6xf32>
  return %y, %p : tensor<1x1x3x6xf32>, tensor<1x1x3x5xf32>
}

// Not attention: the softmax runs over the queries, not the keys.
// CHECK-LABEL: func.func @softmax_other_axis(
// CHECK-NOT:     autoglm.attention
func.func @softmax_other_axis(%q: tensor<1x1x5x4xf32>, %kt: tensor<1x1x4x5xf32>, %v: tensor<1x1x5x6xf32>) -> tensor<1x1x5x6xf32> {
  %s = autoglm.matmul %q, %kt : (tensor<1x1x5x4xf32>, tensor<1x1x4x5xf32>) -> tensor<1x1x5x5xf32>
  %p = autoglm.softmax %s {axis = 2 : i64} : tensor<1x1x5x5xf32>
  %y = autoglm.matmul %p, %v : (tensor<1x1x5x5xf32>, tensor<1x1x5x6xf32>) -> tensor<1x1x5x6xf32>
  return %y : tensor<1x1x5x6xf32>
}

// Not attention: the keys broadcast over the heads (the matmul's
// broadcasting is not the op's grouped heads).
// CHECK-LABEL: func.func @broadcast_heads(
// CHECK-NOT:     autoglm.attention
func.func @broadcast_heads(%q: tensor<1x4x3x4xf32>, %kt: tensor<1x1x4x5xf32>, %v: tensor<1x4x5x6xf32>) -> tensor<1x4x3x6xf32> {
  %s = autoglm.matmul %q, %kt : (tensor<1x4x3x4xf32>, tensor<1x1x4x5xf32>) -> tensor<1x4x3x5xf32>
  %p = autoglm.softmax %s {axis = 3 : i64} : tensor<1x4x3x5xf32>
  %y = autoglm.matmul %p, %v : (tensor<1x4x3x5xf32>, tensor<1x4x5x6xf32>) -> tensor<1x4x3x6xf32>
  return %y : tensor<1x4x3x6xf32>
}

// Not attention: the mask would broadcast the scores to more queries.
// CHECK-LABEL: func.func @mask_broadcasts_scores(
// CHECK-NOT:     autoglm.attention
func.func @mask_broadcasts_scores(%q: tensor<1x1x1x4xf32>, %kt: tensor<1x1x4x5xf32>, %v: tensor<1x1x5x6xf32>,
                                  %mask: tensor<1x1x3x5xf32>) -> tensor<1x1x3x6xf32> {
  %s = autoglm.matmul %q, %kt : (tensor<1x1x1x4xf32>, tensor<1x1x4x5xf32>) -> tensor<1x1x1x5xf32>
  %sm = autoglm.add %s, %mask : (tensor<1x1x1x5xf32>, tensor<1x1x3x5xf32>) -> tensor<1x1x3x5xf32>
  %p = autoglm.softmax %sm {axis = 3 : i64} : tensor<1x1x3x5xf32>
  %y = autoglm.matmul %p, %v : (tensor<1x1x3x5xf32>, tensor<1x1x5x6xf32>) -> tensor<1x1x3x6xf32>
  return %y : tensor<1x1x3x6xf32>
}

// Two mixed-precision attentions on one f32 mask (BERT's layers): one
// clamp and cast of the mask, right after it, feeds both.
// CHECK-LABEL: func.func @mask_shared(
// CHECK:         autoglm.clip
// CHECK-NOT:     autoglm.clip
// CHECK-COUNT-2: autoglm.attention
// CHECK-NOT:     autoglm.clip
// CHECK:         return
func.func @mask_shared(%q: tensor<1x1x4x8xf16>, %kt: tensor<1x1x8x4xf16>, %v: tensor<1x1x4x8xf16>, %mask: tensor<1x1x1x4xf32>) -> (tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16>) {
  %s = autoglm.matmul %q, %kt {accumulator_type = f32} : (tensor<1x1x4x8xf16>, tensor<1x1x8x4xf16>) -> tensor<1x1x4x4xf32>
  %sm = autoglm.add %s, %mask : (tensor<1x1x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %p = autoglm.softmax %sm {axis = 3 : i64} : tensor<1x1x4x4xf32>
  %p16 = autoglm.cast %p : tensor<1x1x4x4xf32> to tensor<1x1x4x4xf16>
  %y = autoglm.matmul %p16, %v {accumulator_type = f32} : (tensor<1x1x4x4xf16>, tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf32>
  %y16 = autoglm.cast %y : tensor<1x1x4x8xf32> to tensor<1x1x4x8xf16>
  %s2 = autoglm.matmul %y16, %kt {accumulator_type = f32} : (tensor<1x1x4x8xf16>, tensor<1x1x8x4xf16>) -> tensor<1x1x4x4xf32>
  %sm2 = autoglm.add %s2, %mask : (tensor<1x1x4x4xf32>, tensor<1x1x1x4xf32>) -> tensor<1x1x4x4xf32>
  %p2 = autoglm.softmax %sm2 {axis = 3 : i64} : tensor<1x1x4x4xf32>
  %p216 = autoglm.cast %p2 : tensor<1x1x4x4xf32> to tensor<1x1x4x4xf16>
  %y2 = autoglm.matmul %p216, %v {accumulator_type = f32} : (tensor<1x1x4x4xf16>, tensor<1x1x4x8xf16>) -> tensor<1x1x4x8xf32>
  %y216 = autoglm.cast %y2 : tensor<1x1x4x8xf32> to tensor<1x1x4x8xf16>
  return %y16, %y216 : tensor<1x1x4x8xf16>, tensor<1x1x4x8xf16>
}
