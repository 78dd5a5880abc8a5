package torch

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>

typedef void (*nerlab_set_threads_fn)(int);

// nerlab_openblas_threads sets OpenBLAS's own thread count when OpenBLAS is
// the BLAS libtorch was loaded with; it returns 0 when it is not.
static int nerlab_openblas_threads(int n) {
	nerlab_set_threads_fn f = (nerlab_set_threads_fn)dlsym(RTLD_DEFAULT, "openblas_set_num_threads");
	if (!f) return 0;
	f(n);
	return 1;
}
*/
import "C"

// singleThreadedBLAS makes OpenBLAS run each call on the calling thread.
// libtorch parallelises its own loops with an OpenMP team of SetThreads
// threads; OpenBLAS's pthread build keeps a second pool of its own, and on
// few cores the two pools' spinning threads fight: measured on 2 cores, a
// BiLSTM-CRF training step took 200–640 ms with both pools and a steady
// 185–200 ms with OpenBLAS single-threaded. It reports whether OpenBLAS was
// found.
func singleThreadedBLAS() bool { return C.nerlab_openblas_threads(1) == 1 }
