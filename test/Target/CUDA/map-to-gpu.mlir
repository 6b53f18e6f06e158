// RUN: autoglm-opt %s -allow-unregistered-dialect --split-input-file --autoglm-cuda-map-to-gpu --verify-diagnostics | FileCheck %s

// A 2-D parallel loop of 3 x 100 iterations: one grid of 300 threads in
// blocks of 256, flattened (the innermost dimension fastest), with the
// bounds check for the last block; the constants move into the kernel.
// CHECK-LABEL: func.func @parallel
// CHECK-DAG:     %[[GRID:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[BLOCK:.*]] = arith.constant 256 : index
// CHECK:         gpu.launch blocks(%[[BX:[a-z0-9]+]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[GRID]], %{{.*}}, %{{.*}}) threads(%[[TX:[a-z0-9]+]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCK]], %{{.*}}, %{{.*}})
// CHECK:           %[[BASE:.*]] = arith.muli %[[BX]], %{{.*}} : index
// CHECK:           %[[LINEAR:.*]] = arith.addi %[[BASE]], %[[TX]] : index
// CHECK:           %[[IN:.*]] = arith.cmpi ult, %[[LINEAR]], %{{.*}} : index
// CHECK:           scf.if %[[IN]] {
// CHECK:             %[[J:.*]] = arith.remui %[[LINEAR]], %{{.*}} : index
// CHECK:             %[[I:.*]] = arith.divui %[[LINEAR]], %{{.*}} : index
// CHECK:             memref.load %{{.*}}[%{{.*}}, %{{.*}}] : memref<3x100xf32>
// CHECK:             math.exp
// CHECK:             memref.store
// CHECK:           gpu.terminator
// CHECK-NOT:     scf.parallel
func.func @parallel(%a: memref<3x100xf32>, %b: memref<3x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c100 = arith.constant 100 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c3, %c100) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<3x100xf32>
    %y = math.exp %x : f32
    memref.store %y, %b[%i, %j] : memref<3x100xf32>
    scf.reduce
  }
  return
}

// -----

// A sequential loop (a reduction to a scalar) runs on one thread; views and
// constants stay on the host.
// CHECK-LABEL: func.func @sequential
// CHECK:         %[[V:.*]] = memref.view
// (MLIR names an index constant after its value: %c1, %c1_0, ...)
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.*}} = %c1{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in (%{{.*}} = %c1{{(_[0-9]+)?}}, {{.*}})
// CHECK:           scf.for
// CHECK:             memref.load %[[V]]
// CHECK:           gpu.terminator
func.func @sequential(%ws: memref<64xi8>, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %v = memref.view %ws[%c0][] : memref<64xi8> to memref<16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %v[%i] : memref<16xf32>
    %acc = memref.load %out[] : memref<f32>
    %s = arith.addf %x, %acc : f32
    memref.store %s, %out[] : memref<f32>
  }
  return
}

// -----

// A scalar read for a later loop (a Range's start and step) is read inside
// that loop's kernel, by each thread, not in a kernel of its own.
// CHECK-LABEL: func.func @scalar_into_loop
// CHECK-NOT:     memref.load
// CHECK:         gpu.launch
// CHECK:           scf.if
// CHECK:             %[[DELTA:.*]] = memref.load %arg1[] : memref<f32>
// CHECK:             arith.mulf %{{.*}}, %[[DELTA]]
// CHECK:             %[[START:.*]] = memref.load %arg0[] : memref<f32>
// CHECK:             arith.addf %[[START]]
// CHECK:         return
func.func @scalar_into_loop(%start: memref<f32>, %delta: memref<f32>, %out: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %s = memref.load %start[] : memref<f32>
  %d = memref.load %delta[] : memref<f32>
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    %ii = arith.index_cast %i : index to i32
    %f = arith.sitofp %ii : i32 to f32
    %m = arith.mulf %f, %d : f32
    %v = arith.addf %s, %m : f32
    memref.store %v, %out[%i] : memref<8xf32>
    scf.reduce
  }
  return
}

// -----

// A value the device computes cannot feed the host's buffer bookkeeping.
func.func @host_needs_device_value(%a: memref<4xindex>, %ws: memref<64xi8>) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{computes a value the host needs; the GPU target cannot run it}}
  %offset = memref.load %a[%c0] : memref<4xindex>
  %v = memref.view %ws[%offset][] : memref<64xi8> to memref<4xf32>
  "test.use"(%v) : (memref<4xf32>) -> ()
  return
}

// -----

// Each iteration reduces a row of 128 (a softmax's sum): one warp per
// iteration, four of them, each in a block of its own (too few for more per
// block). Lane l reduces elements l, l+32, l+64 and l+96 into a register
// (four rounds in a row, so that their loads are in flight together), five
// butterfly shuffles combine the lanes, and each lane folds the total into
// its private accumulator; the loop that writes the row runs round-robin
// over the lanes, between warp barriers, the four rounds' stores after all
// of their loads (the input and output are different buffers).
// CHECK-LABEL: func.func @warp_per_row
// CHECK:         gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c4{{(_[0-9]+)?}}, %{{.*}}, %{{.*}}) threads(%[[TX:[a-z0-9]+]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c32{{(_[0-9]+)?}}, %{{.*}}, %{{.*}})
// CHECK:           %[[LANE:.*]] = arith.remui %[[TX]], %{{.*}} : index
// CHECK:           arith.divui %[[TX]], %{{.*}} : index
// CHECK:           scf.if
// CHECK:             %[[ACC:.*]] = memref.alloca() : memref<1xf32>
// CHECK-NOT:         scf.for
// CHECK-COUNT-4:     arith.addi %{{.*}}, %[[LANE]] : index
// CHECK-COUNT-3:     memref.load %arg0
// CHECK:             memref.load %arg0
// CHECK-NEXT:        %[[PARTIAL:.*]] = arith.addf
// CHECK-NOT:         memref.load
// CHECK:             gpu.shuffle  xor %[[PARTIAL]], %{{.*}}, %{{.*}} : f32
// CHECK-COUNT-4:     gpu.shuffle  xor
// CHECK:             memref.load %[[ACC]]
// CHECK:             memref.store %{{.*}}, %[[ACC]]
// CHECK:             nvvm.bar.warp.sync
// CHECK-NOT:         scf.for
// CHECK-COUNT-4:     memref.load %arg0
// CHECK-NOT:         memref.load %arg0
// CHECK-COUNT-4:     memref.store %{{.*}}, %arg1
// CHECK:             nvvm.bar.warp.sync
func.func @warp_per_row(%in: memref<4x128xf32>, %out: memref<4x128xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %acc = memref.alloc() : memref<1xf32>
    memref.store %zero, %acc[%c0] : memref<1xf32>
    scf.for %k = %c0 to %c128 step %c1 {
      %x = memref.load %in[%i, %k] : memref<4x128xf32>
      %a = memref.load %acc[%c0] : memref<1xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %acc[%c0] : memref<1xf32>
    }
    scf.parallel (%j) = (%c0) to (%c128) step (%c1) {
      %x = memref.load %in[%i, %j] : memref<4x128xf32>
      %t = memref.load %acc[%c0] : memref<1xf32>
      %y = arith.divf %x, %t : f32
      memref.store %y, %out[%i, %j] : memref<4x128xf32>
      scf.reduce
    }
    memref.dealloc %acc : memref<1xf32>
    scf.reduce
  }
  return
}

// -----

// A row's maximum accumulated in device memory (a ReduceMax's output): lane
// 0 alone folds the warp's total into it, then a warp barrier.
// CHECK-LABEL: func.func @warp_per_row_into_output
// CHECK:         gpu.launch
// CHECK:           %[[LANE:.*]] = arith.remui
// CHECK-COUNT-2:   arith.maximumf
// CHECK-COUNT-5:   gpu.shuffle  xor
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %[[LANE]], %{{.*}} : index
// CHECK:           scf.if %[[FIRST]] {
// CHECK:             memref.load %arg1
// CHECK:             arith.maximumf
// CHECK:             memref.store %{{.*}}, %arg1
// CHECK:           }
// CHECK:           nvvm.bar.warp.sync
func.func @warp_per_row_into_output(%in: memref<300x64xf32>, %out: memref<300xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c300 = arith.constant 300 : index
  scf.parallel (%i) = (%c0) to (%c300) step (%c1) {
    scf.for %k = %c0 to %c64 step %c1 {
      %x = memref.load %in[%i, %k] : memref<300x64xf32>
      %a = memref.load %out[%i] : memref<300xf32>
      %m = arith.maximumf %a, %x : f32
      memref.store %m, %out[%i] : memref<300xf32>
    }
    scf.reduce
  }
  return
}

// -----

// Rows of 16: too short to split; one thread per row.
// CHECK-LABEL: func.func @short_rows
// CHECK:         gpu.launch
// CHECK-NOT:       gpu.shuffle
// CHECK:           scf.for
// CHECK-NOT:       gpu.shuffle
// CHECK:         return
func.func @short_rows(%in: memref<4x16xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c16 = arith.constant 16 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.for %k = %c0 to %c16 step %c1 {
      %x = memref.load %in[%i, %k] : memref<4x16xf32>
      %a = memref.load %out[%i] : memref<4xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %out[%i] : memref<4xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A store to device memory that every lane would repeat (here a reduction's
// result copied out): a warp per row, the store on lane 0 alone between warp
// barriers.
// CHECK-LABEL: func.func @repeated_store
// CHECK:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c32{{(_[0-9]+)?}},
// CHECK:           gpu.shuffle
// CHECK:           nvvm.bar.warp.sync
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %{{.*}}, %c0
// CHECK-NEXT:      scf.if %[[FIRST]] {
// CHECK-NEXT:        memref.store %{{.*}}, %arg1
// CHECK-NEXT:      }
// CHECK:           nvvm.bar.warp.sync
// CHECK:         return
func.func @repeated_store(%in: memref<4x128xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %acc = memref.alloc() : memref<1xf32>
    memref.store %zero, %acc[%c0] : memref<1xf32>
    scf.for %k = %c0 to %c128 step %c1 {
      %x = memref.load %in[%i, %k] : memref<4x128xf32>
      %a = memref.load %acc[%c0] : memref<1xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %acc[%c0] : memref<1xf32>
    }
    %t = memref.load %acc[%c0] : memref<1xf32>
    memref.store %t, %out[%i] : memref<4xf32>
    scf.reduce
  }
  return
}

// -----

// One row's sum of squares into device memory (an RMSNormalization of a
// decoder step, whose statistic the next kernel reads; the row and the
// statistic are disjoint views of one arena): one warp, not one thread.
// Lane 0 alone sets the accumulator to zero, between warp barriers, before
// the lanes split the 576 elements.
// CHECK-LABEL: func.func @one_row_sum_of_squares
// CHECK:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c32{{(_[0-9]+)?}},
// CHECK-NOT:       scf.for
// CHECK:           nvvm.bar.warp.sync
// CHECK:           %[[FIRST:.*]] = arith.cmpi eq, %{{.*}}, %c0
// CHECK-NEXT:      scf.if %[[FIRST]] {
// CHECK-NEXT:        memref.store %{{.*}}, %[[ACC:view[_0-9]*]]
// CHECK-NEXT:      }
// CHECK:           nvvm.bar.warp.sync
// CHECK:           scf.for
// CHECK:           gpu.shuffle
// CHECK:         return
func.func @one_row_sum_of_squares(%arena: memref<2308xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c576 = arith.constant 576 : index
  %c2304 = arith.constant 2304 : index
  %zero = arith.constant 0.0 : f32
  %in = memref.view %arena[%c0][] : memref<2308xi8> to memref<1x576xf32>
  %acc = memref.view %arena[%c2304][] : memref<2308xi8> to memref<1xf32>
  memref.store %zero, %acc[%c0] : memref<1xf32>
  scf.for %k = %c0 to %c576 step %c1 {
    %x = memref.load %in[%c0, %k] : memref<1x576xf32>
    %a = memref.load %acc[%c0] : memref<1xf32>
    %sq = arith.mulf %x, %x : f32
    %s = arith.addf %a, %sq : f32
    memref.store %s, %acc[%c0] : memref<1xf32>
  }
  return
}

// -----

// A one-row RMSNormalization: the sum of squares, then the loop that
// normalizes the row by it (576 elements, 4 an iteration), with a constant
// and a view between them. One warp kernel: lane 0 folds the lanes' sum
// into the statistic, a warp barrier, then the lanes take the 144
// iterations round-robin (lane l: l, l + 32, ..., the last round for
// lanes 0 to 15 alone). The view stays on the host, before the launch.
// CHECK-LABEL: func.func @one_row_normalize
// CHECK:         %[[OUT:.*]] = memref.view %arg0[%c2304
// CHECK:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c32{{(_[0-9]+)?}},
// CHECK:           gpu.shuffle
// CHECK:           scf.if
// CHECK:             memref.store %{{.*}}, %[[ACC:view[_0-9]*]]
// CHECK:           nvvm.bar.warp.sync
// CHECK:           math.rsqrt
// CHECK:           vector.store %{{.*}}, %[[OUT]]
// CHECK:           arith.cmpi ult, %{{.*}}, %c144
// CHECK:           vector.store %{{.*}}, %[[OUT]]
// CHECK:           gpu.terminator
// CHECK-NOT:     gpu.launch
// CHECK:         return
func.func @one_row_normalize(%arena: memref<4612xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c576 = arith.constant 576 : index
  %c4608 = arith.constant 4608 : index
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 576.0 : f32
  %in = memref.view %arena[%c0][] : memref<4612xi8> to memref<1x576xf32>
  %acc = memref.view %arena[%c4608][] : memref<4612xi8> to memref<1xf32>
  memref.store %zero, %acc[%c0] : memref<1xf32>
  scf.for %k = %c0 to %c576 step %c1 {
    %x = memref.load %in[%c0, %k] : memref<1x576xf32>
    %a = memref.load %acc[%c0] : memref<1xf32>
    %sq = arith.mulf %x, %x : f32
    %s = arith.addf %a, %sq : f32
    memref.store %s, %acc[%c0] : memref<1xf32>
  }
  %c4 = arith.constant 4 : index
  %c2304 = arith.constant 2304 : index
  %out = memref.view %arena[%c2304][] : memref<4612xi8> to memref<1x576xf32>
  scf.parallel (%j) = (%c0) to (%c576) step (%c4) {
    %x = vector.load %in[%c0, %j] : memref<1x576xf32>, vector<4xf32>
    %t = memref.load %acc[%c0] : memref<1xf32>
    %m = arith.divf %t, %n : f32
    %r = math.rsqrt %m : f32
    %rs = vector.broadcast %r : f32 to vector<4xf32>
    %y = arith.mulf %x, %rs : vector<4xf32>
    vector.store %y, %out[%c0, %j] : memref<1x576xf32>, vector<4xf32>
    scf.reduce
  }
  return
}

// -----

// Not joined: the loop after the one-row reduction has more iterations
// than a warp takes on (4096 > 2048), or a copy lies between them (it
// stays on the host, between the two launches).
// CHECK-LABEL: func.func @one_row_not_joined
// CHECK:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c32{{(_[0-9]+)?}},
// CHECK:           gpu.shuffle
// CHECK:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c256{{(_[0-9]+)?}},
// CHECK:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c32{{(_[0-9]+)?}},
// CHECK:         memref.copy
// CHECK:         gpu.launch {{.*}} threads({{.*}}) in (%{{.*}} = %c256{{(_[0-9]+)?}},
// CHECK:         return
func.func @one_row_not_joined(%in: memref<4096xf32>, %acc: memref<f32>, %out: memref<4096xf32>, %copy: memref<4096xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4096 = arith.constant 4096 : index
  scf.for %k = %c0 to %c4096 step %c1 {
    %x = memref.load %in[%k] : memref<4096xf32>
    %a = memref.load %acc[] : memref<f32>
    %s = arith.addf %a, %x : f32
    memref.store %s, %acc[] : memref<f32>
  }
  scf.parallel (%j) = (%c0) to (%c4096) step (%c1) {
    %x = memref.load %in[%j] : memref<4096xf32>
    %t = memref.load %acc[] : memref<f32>
    %y = arith.divf %x, %t : f32
    memref.store %y, %out[%j] : memref<4096xf32>
    scf.reduce
  }
  scf.for %k = %c0 to %c4096 step %c1 {
    %x = memref.load %in[%k] : memref<4096xf32>
    %a = memref.load %acc[] : memref<f32>
    %s = arith.addf %a, %x : f32
    memref.store %s, %acc[] : memref<f32>
  }
  memref.copy %in, %copy : memref<4096xf32> to memref<4096xf32>
  %c8 = arith.constant 8 : index
  scf.parallel (%j) = (%c0) to (%c4096) step (%c8) {
    %x = memref.load %in[%j] : memref<4096xf32>
    %t = memref.load %acc[] : memref<f32>
    %y = arith.divf %x, %t : f32
    memref.store %y, %out[%j] : memref<4096xf32>
    scf.reduce
  }
  return
}

// -----

// A whole tensor summed to a scalar: one warp instead of one thread; each
// lane's 128 rounds run as a loop of 16 steps of 8 rounds each.
// CHECK-LABEL: func.func @sequential_sum
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.*}} = %c1{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in (%{{.*}} = %c32{{(_[0-9]+)?}}, {{.*}})
// CHECK:           scf.for %{{.*}} = %c0{{.*}} to %c128{{.*}} step %c8{{.*}} iter_args
// CHECK-COUNT-8:     memref.load %arg0
// CHECK:             scf.yield
// CHECK-COUNT-5:   gpu.shuffle  xor
// CHECK:           scf.if
// CHECK:             memref.store %{{.*}}, %arg1
func.func @sequential_sum(%in: memref<4096xf32>, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4096 = arith.constant 4096 : index
  scf.for %k = %c0 to %c4096 step %c1 {
    %x = memref.load %in[%k] : memref<4096xf32>
    %a = memref.load %out[] : memref<f32>
    %s = arith.addf %a, %x : f32
    memref.store %s, %out[] : memref<f32>
  }
  return
}

// -----

// Rows of 100: four rounds per lane, the last one only for lanes 0 to 3
// (an scf.if that passes the partial result through for the others).
// CHECK-LABEL: func.func @ragged_rows
// CHECK:         gpu.launch
// CHECK:           %[[LANE:.*]] = arith.remui
// CHECK-COUNT-3:   memref.load %arg0
// CHECK:           %[[PARTIAL:.*]] = arith.addf
// CHECK:           %[[LAST:.*]] = arith.addi %{{.*}}, %[[LANE]] : index
// CHECK:           %[[IN:.*]] = arith.cmpi ult, %[[LAST]], %c100{{.*}} : index
// CHECK:           %[[R:.*]] = scf.if %[[IN]] -> (f32) {
// CHECK:             memref.load %arg0
// CHECK:             scf.yield
// CHECK:           } else {
// CHECK:             scf.yield %[[PARTIAL]] : f32
// CHECK:           }
// CHECK:           gpu.shuffle  xor %[[R]]
func.func @ragged_rows(%in: memref<4x100xf32>, %out: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c100 = arith.constant 100 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    scf.for %k = %c0 to %c100 step %c1 {
      %x = memref.load %in[%i, %k] : memref<4x100xf32>
      %a = memref.load %out[%i] : memref<4xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %out[%i] : memref<4xf32>
    }
    scf.reduce
  }
  return
}

// -----

// Rows written from views of one arena: at disjoint offsets the rounds'
// stores wait until all of their loads are issued; where the output may
// overlap the input (here the same bytes), each round stores before the
// next one loads.
// CHECK-LABEL: func.func @arena_views
// CHECK:         gpu.launch
// CHECK:           gpu.shuffle
// CHECK:           nvvm.bar.warp.sync
// CHECK-COUNT-2:   memref.load %view[
// CHECK-NOT:       memref.load %view[
// CHECK-COUNT-2:   memref.store %{{.*}}, %view_0[
// CHECK:         gpu.launch
// CHECK:           gpu.shuffle
// CHECK:           nvvm.bar.warp.sync
// CHECK:           memref.load %view[
// CHECK-NOT:       memref.load %view[
// CHECK:           memref.store %{{.*}}, %view_1[
// CHECK:           memref.load %view[
// CHECK:           memref.store %{{.*}}, %view_1[
func.func @arena_views(%arena: memref<4096xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c64 = arith.constant 64 : index
  %c1024 = arith.constant 1024 : index
  %zero = arith.constant 0.0 : f32
  %in = memref.view %arena[%c0][] : memref<4096xi8> to memref<4x64xf32>
  %out = memref.view %arena[%c1024][] : memref<4096xi8> to memref<4x64xf32>
  %same = memref.view %arena[%c0][] : memref<4096xi8> to memref<4x64xf32>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %acc = memref.alloc() : memref<1xf32>
    memref.store %zero, %acc[%c0] : memref<1xf32>
    scf.for %k = %c0 to %c64 step %c1 {
      %x = memref.load %in[%i, %k] : memref<4x64xf32>
      %a = memref.load %acc[%c0] : memref<1xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %acc[%c0] : memref<1xf32>
    }
    scf.parallel (%j) = (%c0) to (%c64) step (%c1) {
      %x = memref.load %in[%i, %j] : memref<4x64xf32>
      %t = memref.load %acc[%c0] : memref<1xf32>
      %y = arith.divf %x, %t : f32
      memref.store %y, %out[%i, %j] : memref<4x64xf32>
      scf.reduce
    }
    memref.dealloc %acc : memref<1xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %acc = memref.alloc() : memref<1xf32>
    memref.store %zero, %acc[%c0] : memref<1xf32>
    scf.for %k = %c0 to %c64 step %c1 {
      %x = memref.load %in[%i, %k] : memref<4x64xf32>
      %a = memref.load %acc[%c0] : memref<1xf32>
      %s = arith.addf %a, %x : f32
      memref.store %s, %acc[%c0] : memref<1xf32>
    }
    scf.parallel (%j) = (%c0) to (%c64) step (%c1) {
      %x = memref.load %in[%i, %j] : memref<4x64xf32>
      %t = memref.load %acc[%c0] : memref<1xf32>
      %y = arith.divf %x, %t : f32
      memref.store %y, %same[%i, %j] : memref<4x64xf32>
      scf.reduce
    }
    memref.dealloc %acc : memref<1xf32>
    scf.reduce
  }
  return
}

// -----

// Independent small loops (the rotary embeddings of Q and of K: they read
// the same table and write disjoint views of the arena) share one launch,
// each loop its own 256-thread block: block 0 runs the first body, block 1
// the second.
// CHECK-LABEL: func.func @independent_loops
// CHECK:         gpu.launch blocks({{.*}}) in (%{{.*}} = %c2{{(_[0-9]+)?}}, {{.*}}) threads({{.*}}) in (%{{.*}} = %c256{{(_[0-9]+)?}},
// CHECK:           scf.if
// CHECK:             math.sin
// CHECK:             memref.store %{{.*}}, %view_0
// CHECK:           scf.if
// CHECK:             math.cos
// CHECK:             memref.store %{{.*}}, %view_1
// CHECK:           gpu.terminator
// CHECK-NOT:     gpu.launch
// CHECK:         return
func.func @independent_loops(%arena: memref<4096xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c32 = arith.constant 32 : index
  %c1024 = arith.constant 1024 : index
  %c2048 = arith.constant 2048 : index
  %table = memref.view %arena[%c0][] : memref<4096xi8> to memref<64xf32>
  %q = memref.view %arena[%c1024][] : memref<4096xi8> to memref<64xf32>
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %x = memref.load %table[%i] : memref<64xf32>
    %y = math.sin %x : f32
    memref.store %y, %q[%i] : memref<64xf32>
    scf.reduce
  }
  %k = memref.view %arena[%c2048][] : memref<4096xi8> to memref<32xf32>
  scf.parallel (%i) = (%c0) to (%c32) step (%c1) {
    %x = memref.load %table[%i] : memref<64xf32>
    %y = math.cos %x : f32
    memref.store %y, %k[%i] : memref<32xf32>
    scf.reduce
  }
  return
}

// -----

// Not shared: the second loop reads what the first writes (it must wait
// for all of it), and in the second pair a loop has more than 1024
// iterations.
// CHECK-LABEL: func.func @dependent_or_large_loops
// CHECK-COUNT-4: gpu.launch
// CHECK-NOT:     gpu.launch
// CHECK:         return
func.func @dependent_or_large_loops(%arena: memref<16384xi8>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c1024 = arith.constant 1024 : index
  %c2048 = arith.constant 2048 : index
  %c4096 = arith.constant 4096 : index
  %c8192 = arith.constant 8192 : index
  %table = memref.view %arena[%c0][] : memref<16384xi8> to memref<64xf32>
  %q = memref.view %arena[%c1024][] : memref<16384xi8> to memref<64xf32>
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %x = memref.load %table[%i] : memref<64xf32>
    %y = math.sin %x : f32
    memref.store %y, %q[%i] : memref<64xf32>
    scf.reduce
  }
  %k = memref.view %arena[%c2048][] : memref<16384xi8> to memref<64xf32>
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %x = memref.load %q[%i] : memref<64xf32>
    %y = math.cos %x : f32
    memref.store %y, %k[%i] : memref<64xf32>
    scf.reduce
  }
  %big = memref.view %arena[%c4096][] : memref<16384xi8> to memref<2048xf32>
  scf.parallel (%i) = (%c0) to (%c2048) step (%c1) {
    %x = memref.load %table[%c0] : memref<64xf32>
    memref.store %x, %big[%i] : memref<2048xf32>
    scf.reduce
  }
  %small = memref.view %arena[%c8192][] : memref<16384xi8> to memref<64xf32>
  scf.parallel (%i) = (%c0) to (%c64) step (%c1) {
    %x = memref.load %table[%i] : memref<64xf32>
    memref.store %x, %small[%i] : memref<64xf32>
    scf.reduce
  }
  return
}
