#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d1)>
func.func @main(%a: tensor<2x3xf32> {autoglm.onnx_name = "a"}, %b: tensor<3xf32> {autoglm.onnx_name = "b"}) -> (tensor<2x3xf32> {autoglm.onnx_name = "y"}, tensor<2x2xf32> {autoglm.onnx_name = "z"}) {
  %e = tensor.empty() : tensor<2x3xf32>
  %r = linalg.generic {indexing_maps = [#map, #map1, #map], iterator_types = ["parallel", "parallel"]} ins(%a, %b : tensor<2x3xf32>, tensor<3xf32>) outs(%e : tensor<2x3xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    %t = math.erf %s : f32
    linalg.yield %t : f32
  } -> tensor<2x3xf32>
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]> : tensor<3x2xf32>
  %z = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<2x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e2 : tensor<2x2xf32>) -> tensor<2x2xf32>
  %m = linalg.matmul ins(%r, %w : tensor<2x3xf32>, tensor<3x2xf32>) outs(%f : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %r, %m : tensor<2x3xf32>, tensor<2x2xf32>
}
