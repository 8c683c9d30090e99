-- A stuck plan back at panel (issue 10, seed 001 §12): the lead professional's "stuck case"
-- referral carries the plan it is about, and the plan's version when it was brought back, so
-- the panel sees the plan beside the case and can tell whether it has changed since.
-- Kept in step with ../sqlite/0019_stuck_plans.sql.
ALTER TABLE referrals ADD COLUMN plan_id UUID REFERENCES plans (id);
ALTER TABLE referrals ADD COLUMN plan_version BIGINT;
-- Finds the stuck case open for a plan.
CREATE INDEX referrals_plan ON referrals (plan_id) WHERE plan_id IS NOT NULL;
