/**
 * What benchmarks share across backends: the shape of a backend under benchmark and a token counter. The
 * implementations live in each backend's {@code bench} jar; {@code guard-cli bench} runs them.
 */
package io.guardreasoner.test.bench;
