// RUN: autoglm-opt -allow-unregistered-dialect %s --autoglm-plan-memory="report=%t.json" | FileCheck %s
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: autoglm-opt -allow-unregistered-dialect %s --autoglm-plan-memory="report=%t.txt top-buffers=2" -o /dev/null
// RUN: FileCheck %s --check-prefix=TEXT < %t.txt
// RUN: not autoglm-opt -allow-unregistered-dialect %s --autoglm-plan-memory="max-arena-bytes=1000" -o /dev/null 2>&1 | FileCheck %s --check-prefix=BUDGET

#id = affine_map<(d0) -> (d0)>
#rev = affine_map<(d0) -> (255 - d0)>

// What @main's buffers get (steps count top-level ops):
//   %a  filled, then read by the exp below and dead there: the exp's output
//       %b (same size, identity maps) is written over it, at offset 0;
//   %c  %b reversed (not an identity map): a slot of its own;
//   %d  half of %c, copied while %c is live: a third slot;
//   %e  %c + %c: %c dies here, but two operands read it, so %e may not
//       overwrite it; it takes offset 0, free since %b died;
//   %f  passed to a call: it escapes and stays a heap allocation.
// CHECK: module attributes {autoglm.workspace = #autoglm.workspace<bytes = [[ARENA:[0-9]+]]>}
// CHECK-LABEL: func.func @main(
// CHECK-SAME: %[[IN:[a-z0-9]+]]: memref<256xf32>, %[[OUT:[a-z0-9]+]]: memref<256xf32>, %[[WS:[a-z0-9]+]]: memref<[[ARENA]]xi8>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1024:.*]] = arith.constant 1024 : index
// CHECK: %[[A:.*]] = memref.view %[[WS]][%[[C0]]][] : memref<[[ARENA]]xi8> to memref<256xf32>
// CHECK: %[[B:.*]] = memref.view %[[WS]][%[[C0]]][] : memref<[[ARENA]]xi8> to memref<256xf32>
// CHECK: %[[C:.*]] = memref.view %[[WS]][%[[C1024]]][] : memref<[[ARENA]]xi8> to memref<256xf32>
// CHECK: memref.view %[[WS]][%{{.*}}][] : memref<[[ARENA]]xi8> to memref<128xf32>
// CHECK: %[[E:.*]] = memref.view %[[WS]][%[[C0]]][] : memref<[[ARENA]]xi8> to memref<256xf32>
// CHECK: %[[F:.*]] = memref.alloc() : memref<256xf32>
// CHECK: call @sink(%[[F]])

// JSON: "arena_bytes": 2560,
// JSON: "buffers": 5,
// JSON: "in_place": 1,
// JSON: "largest_buffers": [
// JSON:      "bytes": 1024,
// JSON-NEXT: "first_step": 2,
// JSON-NEXT: "last_step": 4,
// JSON-NEXT: "node": "fill_node",
// JSON-NEXT: "offset": 0,
// JSON-NEXT: "type": "f32 [256]"
// JSON:      "node": "exp_node",
// JSON: "lower_bound_bytes": 2560,
// JSON: "naive_bytes": 4608

// TEXT: memory plan: arena 2560 bytes; naive 4608 bytes (one buffer per intermediate); lower bound 2560 bytes (peak of live bytes); 5 buffers, 1 written in place
// TEXT-NEXT: largest buffers:
// TEXT-NEXT: 1024 bytes at offset 0 node 'fill_node' f32 [256] live at steps 2-4
// TEXT-NEXT: 1024 bytes at offset 0 node 'exp_node' f32 [256] live at steps 4-6
// TEXT-NOT: bytes at offset

// BUDGET: error: the planned memory arena of 2560 bytes exceeds the budget of 1000 bytes
// BUDGET: note: 1024 bytes for node 'fill_node' (f32 [256])

module {
  func.func private @sink(memref<256xf32>)
  func.func @main(%in: memref<256xf32>, %out: memref<256xf32>) {
    %zero = arith.constant 1.0 : f32
    %a = memref.alloc() : memref<256xf32> loc("fill_node")
    linalg.fill ins(%zero : f32) outs(%a : memref<256xf32>)
    %b = memref.alloc() : memref<256xf32> loc("exp_node")
    linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
        ins(%a : memref<256xf32>) outs(%b : memref<256xf32>) {
    ^bb0(%x: f32, %o: f32):
      %y = math.exp %x : f32
      linalg.yield %y : f32
    }
    %c = memref.alloc() : memref<256xf32> loc("reverse_node")
    linalg.generic {indexing_maps = [#rev, #id], iterator_types = ["parallel"]}
        ins(%b : memref<256xf32>) outs(%c : memref<256xf32>) {
    ^bb0(%x: f32, %o: f32):
      linalg.yield %x : f32
    }
    %d = memref.alloc() : memref<128xf32> loc("half_node")
    %sub = memref.subview %c[0] [128] [1] : memref<256xf32> to memref<128xf32, strided<[1]>>
    linalg.copy ins(%sub : memref<128xf32, strided<[1]>>) outs(%d : memref<128xf32>)
    %e = memref.alloc() : memref<256xf32> loc("add_node")
    linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
        ins(%c, %c : memref<256xf32>, memref<256xf32>) outs(%e : memref<256xf32>) {
    ^bb0(%x: f32, %y: f32, %o: f32):
      %s = arith.addf %x, %y : f32
      linalg.yield %s : f32
    }
    %f = memref.alloc() : memref<256xf32> loc("escape_node")
    call @sink(%f) : (memref<256xf32>) -> ()
    memref.copy %e, %out : memref<256xf32> to memref<256xf32>
    "test.keep"(%d) : (memref<128xf32>) -> ()
    return
  }
}
