package dev.jground.nn;

/** The backend contract on the CPU, with two threads so the parallel paths run. */
class CpuBackendTest extends BackendContractTest {
    @Override protected Backend backend() { return new CpuBackend(2); }
}
