/**
 * Helpers shared by the GuardReasoner artifacts (backends, adapters, starter). Not an API: anything here may change
 * or go in any release, without notice.
 */
package io.guardreasoner.core.internal;
