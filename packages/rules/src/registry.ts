import type { Transform } from '@opt/core';
import { RuleRegistry, orThrow } from '@opt/core';
import { adadeltaRule } from './rules/adadelta.js';
import { adagradRule } from './rules/adagrad.js';
import { adamRule } from './rules/adam.js';
import { adamCmRule } from './rules/adam-cm.js';
import { adamaxRule } from './rules/adamax.js';
import { adamwRule } from './rules/adamw.js';
import { applyGeneratedTier } from './generated-tier.js';
import { geometryRuleDefs } from './rules/geometry.js';
import { lookaheadSgdRule } from './rules/lookahead.js';
import { moreAdaptiveRuleDefs } from './rules/more-adaptive.js';
import { nadamRule } from './rules/nadam.js';
import { optimisticAmsgradRule } from './rules/optimistic-amsgrad.js';
import { paperRuleDefs } from './paper-rules.js';
import { radamRule } from './rules/radam.js';
import { ranger21Rule } from './rules/ranger21.js';
import { rmspropRule } from './rules/rmsprop.js';
import { sgdRule } from './rules/sgd.js';

/** Every rule of this package, in the order of the README table. */
export const ruleDefs = [sgdRule, adamRule, adamwRule, nadamRule, radamRule, adamaxRule, adagradRule, rmspropRule, adadeltaRule] as const;

/** The torch.optim baseline rules by id: sgd, adam, adamw, nadam, radam, adamax, adagrad, rmsprop, adadelta. */
export const rules: RuleRegistry = new RuleRegistry();
for (const def of ruleDefs) rules.register(def);
for (const def of geometryRuleDefs) rules.register(def);
for (const def of moreAdaptiveRuleDefs) rules.register(def);
for (const def of paperRuleDefs) rules.register(def);
for (const def of [adamCmRule, ranger21Rule, lookaheadSgdRule]) rules.register(def);
rules.register(optimisticAmsgradRule);
applyGeneratedTier(rules);

/**
 * Build a rule from its id and hyperparameters (missing ones take torch's defaults). Throws an
 * `OptError` naming the field for an unknown rule, an unknown hyperparameter, a wrong type or
 * a value out of range.
 */
export function createRule(id: string, hparams: Record<string, unknown> = {}): Transform<unknown[]> {
  return orThrow(rules.create(id, hparams));
}
