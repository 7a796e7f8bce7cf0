/**
 * Spring test support: {@link io.guardreasoner.test.spring.AutoConfigureGuardReasonerStub} and
 * {@link io.guardreasoner.test.spring.GuardReasonerStubProperties}. Needs {@code spring-test}, which guard-test
 * declares optional so that tests without Spring do not get it.
 */
package io.guardreasoner.test.spring;
