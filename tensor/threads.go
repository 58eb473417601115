package tensor

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// threads is the SetThreads setting; 0 means runtime.GOMAXPROCS(0).
var threads atomic.Int32

// SetThreads sets how many threads (the calling goroutine plus pool
// workers) one call may use: a large FastGEMM product, a Parallel call (the
// images of nn's convolution and pooling) or a long element-wise kernel; n
// <= 0 restores the default, runtime.GOMAXPROCS(0) (re-read every 1024
// calls, see procs). It returns the previous setting (0 for the default). Products and
// element-wise calls below a size threshold always run on the calling
// goroutine alone.
//
// A program that already runs several trainings at once, one per core,
// should call SetThreads(1): each call then stays on its own goroutine
// instead of stacking workers onto cores that are already busy.
func SetThreads(n int) int {
	n = max(0, min(n, 1<<16))
	return int(threads.Swap(int32(n)))
}

// Threads reports how many threads one call may use (see SetThreads).
func Threads() int {
	if n := threads.Load(); n > 0 {
		return int(n)
	}
	return procs()
}

// procsEvery is how many calls of procs reuse one reading of
// runtime.GOMAXPROCS(0), which takes a lock in the runtime that the
// threads of a training step would otherwise contend on at every product.
const procsEvery = 1024

var (
	procsCache atomic.Int32
	procsCalls atomic.Uint32
)

// procs returns runtime.GOMAXPROCS(0), read afresh every procsEvery calls
// (a change of GOMAXPROCS takes effect within that many calls; results do
// not depend on the thread count, only speed does).
func procs() int {
	n := procsCache.Load()
	if n == 0 || procsCalls.Add(1)%procsEvery == 0 {
		n = int32(runtime.GOMAXPROCS(0))
		procsCache.Store(n)
	}
	return int(n)
}

// job is work cut into chunks: a product split into a grid of pm×pn
// disjoint blocks of C, or the calls of Parallel. The calling goroutine
// and the pool workers it enlists take chunks from next until none is
// left, so a thread that the OS delays simply does fewer. For a product,
// each chunk packs its own parts of op(A) and op(B); the grid is chosen to
// keep that duplicated packing small. A job lives in the caller's
// workspace, so handing it out allocates nothing.
type job struct {
	chunks int          // chunks in all
	next   atomic.Int32 // the next chunk to take

	fn    func(i, slot int) // Parallel's calls; nil for a product
	slots atomic.Int32      // slots handed out to the threads running fn

	// A product (see FastGEMM.Sgemm).
	bl             *blocking
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int
	sp             sparse // sp.p != nil: a product skipping a Pattern's zeros
	bs             panelB // bs.src != nil: B packed by its source (b is nil)
	pn             int    // grid columns
	mChunk, nChunk int    // chunk size (multiples of mr and nr)

	posted   []*poolWorker // workers this job was offered to
	pending  atomic.Int32  // offers not yet finished or withdrawn
	wg       sync.WaitGroup
	finished func() bool // reports pending == 0; set once
}

// run computes chunks of j on ws until none is left.
func (j *job) run(ws *workspace) {
	slot := -1
	for {
		i := int(j.next.Add(1)) - 1
		if i >= j.chunks {
			return
		}
		if j.fn != nil {
			if slot < 0 {
				slot = int(j.slots.Add(1)) - 1
			}
			j.fn(i, slot)
			continue
		}
		i0, j0 := i/j.pn*j.mChunk, i%j.pn*j.nChunk
		mb, nb := min(j.mChunk, j.m-i0), min(j.nChunk, j.n-j0)
		a, b := j.a, j.b
		if j.transA {
			a = a[i0:]
		} else {
			a = a[i0*j.lda:]
		}
		switch {
		case b == nil: // B's panels come from j.bs, offset below
		case j.transB:
			b = b[j0*j.ldb:]
		default:
			b = b[j0:]
		}
		var sp *sparse
		if j.sp.p != nil {
			s := j.sp
			if s.onA {
				s.off += i0
			} else {
				s.off += j0
			}
			sp = &s
		}
		var bs *panelB
		if j.bs.src != nil {
			p := j.bs
			p.off += j0
			bs = &p
		}
		ws.gemm(j.bl, j.transA, j.transB, mb, nb, j.k, j.alpha, a, j.lda, b, j.ldb, j.beta, j.c[i0*j.ldc+j0:], j.ldc, sp, bs)
	}
}

// share runs j on ws together with up to helpers pool workers and returns
// when every chunk is done.
func (j *job) share(ws *workspace, helpers int) {
	j.next.Store(0)
	j.slots.Store(0)
	if j.finished == nil {
		j.finished = func() bool { return j.pending.Load() == 0 }
	}

	// Offer the job to free workers.
	j.posted = j.posted[:0]
	for _, w := range ensureWorkers(helpers) {
		if len(j.posted) == helpers {
			break
		}
		j.pending.Add(1)
		j.wg.Add(1)
		if !w.mailbox.CompareAndSwap(nil, j) {
			j.pending.Add(-1)
			j.wg.Done()
			continue
		}
		j.posted = append(j.posted, w)
		if w.sleeping.Load() {
			select {
			case w.wake <- struct{}{}:
			default:
			}
		}
	}

	j.run(ws)

	// Withdraw offers nobody took; wait for the workers that did.
	for _, w := range j.posted {
		if w.mailbox.CompareAndSwap(j, nil) {
			j.pending.Add(-1)
			j.wg.Done()
		}
	}
	if j.pending.Load() > 0 {
		spinUntil(waitSpin, j.finished, false)
	}
	j.wg.Wait()
	// Drop the operands and the function so the workspace does not keep
	// them alive.
	j.a, j.b, j.c, j.fn, j.sp, j.bs = nil, nil, nil, nil, sparse{}, panelB{}
	clear(j.posted)
}

// Parallel calls f(i, slot) for every i in [0, n) and returns when all
// calls have returned. The calls run on up to min(slots, Threads(), n)
// threads at once (the calling goroutine and workers of FastGEMM's pool),
// in no fixed order; slot, in [0, slots), names the thread running the
// call, so that f can give each thread its own scratch space. f must keep
// the calls independent, and its results should not depend on slot (then
// they do not depend on the thread count either). With one thread every
// call runs on the calling goroutine, in order.
//
// f should be made once and kept (a method value or a closure stored in a
// field), not built anew for each call: building a closure allocates.
func Parallel(n, slots int, f func(i, slot int)) {
	t := min(Threads(), slots, n)
	if t <= 1 {
		for i := 0; i < n; i++ {
			f(i, 0)
		}
		return
	}
	ws := getWorkspace()
	ws.parallel(n, t, f)
	putWorkspace(ws)
}

// parallel runs Parallel's calls on t threads from the workspace ws.
func (ws *workspace) parallel(n, t int, f func(i, slot int)) {
	j := &ws.job
	j.chunks, j.fn = n, f
	j.share(ws, t-1)
}

// poolWorker is a goroutine of the pool, started once and kept. A caller
// offers it a job by storing the job in its mailbox (and waking it if it
// sleeps); when the caller has run out of chunks it withdraws offers not
// yet taken, so it never waits for a worker that has not started.
type poolWorker struct {
	mailbox  atomic.Pointer[job]
	sleeping atomic.Bool
	wake     chan struct{} // capacity 1
	ws       workspace
}

var (
	poolMu sync.Mutex
	pool   atomic.Pointer[[]*poolWorker] // grows only, copy on write
)

// ensureWorkers returns the pool, first growing it to at least n workers.
func ensureWorkers(n int) []*poolWorker {
	if p := pool.Load(); p != nil && len(*p) >= n {
		return *p
	}
	poolMu.Lock()
	defer poolMu.Unlock()
	var list []*poolWorker
	if p := pool.Load(); p != nil {
		list = *p
	}
	if len(list) < n {
		list = append(list[:len(list):len(list)], make([]*poolWorker, n-len(list))...)
		for i := range list {
			if list[i] == nil {
				w := &poolWorker{wake: make(chan struct{}, 1)}
				list[i] = w
				go w.loop()
			}
		}
		pool.Store(&list)
	}
	return list
}

func (w *poolWorker) loop() {
	offered := func() bool { return w.mailbox.Load() != nil }
	for {
		if j := w.mailbox.Swap(nil); j != nil {
			j.run(&w.ws)
			j.pending.Add(-1)
			j.wg.Done()
			continue
		}
		if spinUntil(workerSpin, offered, true) {
			continue
		}
		w.sleeping.Store(true)
		if !offered() {
			<-w.wake
		}
		w.sleeping.Store(false)
	}
}

// workerSpin is how long an idle worker keeps polling its mailbox before it
// sleeps, and waitSpin how long a caller polls for its helpers to finish
// before it sleeps. Products come in bursts (the layers of a training
// step): a worker that is still running takes the next job within a
// microsecond, while waking a sleeping goroutine costs tens of
// microseconds (an OS thread wake-up, more on a busy machine). Polling is
// busy (runtime.Gosched would leave the P idle and the goroutine queued)
// and happens only with GOMAXPROCS > 1; idle workers poll at most
// GOMAXPROCS-1 at a time, so they never hold every P.
var (
	workerSpin = 50 * time.Microsecond
	waitSpin   = 200 * time.Microsecond
)

// spinners counts the idle workers polling in spinUntil.
var spinners atomic.Int32

// spinUntil polls done, busily, for up to d and reports whether it
// returned true. It returns false at once with GOMAXPROCS = 1 or, for an
// idle worker, when GOMAXPROCS-1 workers are already polling.
func spinUntil(d time.Duration, done func() bool, idle bool) bool {
	p := procs()
	if p < 2 {
		return false
	}
	if idle {
		if int(spinners.Add(1)) > p-1 {
			spinners.Add(-1)
			return false
		}
		defer spinners.Add(-1)
	}
	start := time.Now()
	for i := 1; ; i++ {
		if done() {
			return true
		}
		if i%64 == 0 && time.Since(start) > d {
			return false
		}
	}
}

// Workspaces for calling goroutines, kept (not in a sync.Pool, which the
// garbage collector empties) so that steady state never allocates. A call
// takes one from wsSlots with an atomic swap and puts it back with a
// compare-and-swap into an empty slot, so that calls on several threads
// never wait on a lock; only past len(wsSlots) concurrent callers do
// workspaces go to the overflow list under wsMu.
var (
	wsSlots [64]atomic.Pointer[workspace]
	wsMu    sync.Mutex
	wsFree  []*workspace
)

func getWorkspace() *workspace {
	for i := range wsSlots {
		if wsSlots[i].Load() != nil {
			if ws := wsSlots[i].Swap(nil); ws != nil {
				return ws
			}
		}
	}
	wsMu.Lock()
	if n := len(wsFree); n > 0 {
		ws := wsFree[n-1]
		wsFree[n-1] = nil
		wsFree = wsFree[:n-1]
		wsMu.Unlock()
		return ws
	}
	wsMu.Unlock()
	return new(workspace)
}

func putWorkspace(ws *workspace) {
	for i := range wsSlots {
		if wsSlots[i].Load() == nil && wsSlots[i].CompareAndSwap(nil, ws) {
			return
		}
	}
	wsMu.Lock()
	wsFree = append(wsFree, ws)
	wsMu.Unlock()
}

// chunksPerThread is how many chunks a parallel product is cut into per
// thread; more than one lets a thread that runs ahead take over work from
// one the OS has delayed, at the cost of more duplicated packing.
var chunksPerThread = 2

// sgemmParallel runs the product on up to t threads (the caller and t-1
// pool workers). It reports false, doing nothing, when the product is too
// narrow to split.
func sgemmParallel(bl *blocking, t int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, sp *sparse, bs *panelB) bool {
	mu, nu := (m+bl.mr-1)/bl.mr, (n+bl.nr-1)/bl.nr // micro-tiles per dimension
	want := t * chunksPerThread
	// Cut the dimension whose chunks are longer, so chunks stay square-ish
	// and the duplicated packing ((pm·n + pn·m)·k values) small. A stored A
	// (see gemm) is not packed, so cutting n duplicates less, but cutting
	// only n measured no faster (BENCHMARKS.md, session 6).
	pm, pn := 1, 1
	for pm*pn < want {
		if n/pn >= m/pm && pn < nu {
			pn++
		} else if pm < mu {
			pm++
		} else if pn < nu {
			pn++
		} else {
			break
		}
	}
	if pm*pn < 2 {
		return false
	}
	ws := getWorkspace()
	j := &ws.job
	j.bl, j.transA, j.transB, j.m, j.n, j.k, j.alpha, j.beta = bl, transA, transB, m, n, k, alpha, beta
	j.a, j.b, j.c, j.lda, j.ldb, j.ldc = a, b, c, lda, ldb, ldc
	if sp != nil {
		j.sp = *sp // cleared when the job ends, as the operands are
	}
	if bs != nil {
		j.bs = *bs
	}
	j.mChunk = (mu + pm - 1) / pm * bl.mr
	j.nChunk = (nu + pn - 1) / pn * bl.nr
	j.pn = (n + j.nChunk - 1) / j.nChunk
	j.chunks = (m + j.mChunk - 1) / j.mChunk * j.pn
	j.share(ws, min(t, j.chunks)-1)
	putWorkspace(ws)
	return true
}
