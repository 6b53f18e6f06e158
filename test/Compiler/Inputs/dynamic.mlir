// A dynamic dimension the lowering cannot compile.
func.func @main(%a: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %r = autoglm.relu %a : tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}
