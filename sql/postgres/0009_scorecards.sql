-- Coalition scorecards (issue 15): how each legislator voted on the roll calls of a
-- coalition's tracked bills, against each bill's position. Three views, each on the one
-- before: `vote_kinds` (what a roll call was: final passage, a committee's vote, or a
-- procedural motion), `scorecard_votes` (every vote record on a tracked bill, with the
-- position it is scored against), `legislator_scorecards` (the default scorecard: final
-- passage, each bill's assigned group's position, legislators linked to a person).
-- `statehouse scorecard` aggregates `scorecard_votes` the same way with its options.

-- What a roll call was, first rule that applies (docs/scorecards.md):
-- 1. The source classified the motion (OCD classes): `passage` is final passage when a
--    chamber (or the whole legislature) voted, a committee's vote when a committee did; a
--    `committee-passage…` class is a committee's vote; any other class (amendment-passage,
--    reading-*, veto-override-*, …) is procedural.
-- 2. Else by the motion's words (lower-cased): concurrence or a conference report
--    (`concur`, `conference`) is final passage; votes on an amendment (`amendment`, `to
--    amend`: a bill passed `as amended` is not one), readings other than the third, and
--    motions to table, reconsider, recede, refer, recommit, suspend, adjourn, postpone,
--    discharge, substitute, override a veto, or on rules, appeals, the previous question or
--    a call of the house are procedural.
-- 3. A vote taken by a committee (an organization other than upper, lower, legislature,
--    or one of the jurisdiction's organizations classified as one of those), or a motion
--    naming one (`committee`, `do pass`, `report`, `favorabl`, `recommend`), is a
--    committee's vote.
-- 4. A motion to pass (`third reading`, `passage`, `pass`, `adopt`), or one that only names
--    the majority the vote needs (`SM`, `2/3`, `3/5`, `majority`, `two-thirds`: Delaware's
--    floor roll calls), is final passage.
-- 5. Anything else is a committee's vote: Illinois writes the committee's name as the motion
--    of a committee roll call (`Insurance`, `Public Health`).
CREATE VIEW vote_kinds AS
SELECT
    x.vote_id,
    CASE
        WHEN x.classes LIKE '%"passage"%' THEN CASE WHEN x.by_chamber THEN 'passage' ELSE 'committee' END
        WHEN x.classes LIKE '%"committee-passage%' THEN 'committee'
        WHEN x.classes <> '[]' THEN 'procedural'
        WHEN x.m LIKE '%concur%' OR x.m LIKE '%conference%' THEN
            CASE WHEN x.by_chamber THEN 'passage' ELSE 'committee' END
        WHEN x.m LIKE '%amendment%' OR x.m LIKE '%to amend%' OR x.m LIKE '%first reading%' OR x.m LIKE '%second reading%'
          OR x.m LIKE '%table%' OR x.m LIKE '%reconsider%' OR x.m LIKE '%recede%'
          OR x.m LIKE '%refer%' OR x.m LIKE '%recommit%' OR x.m LIKE '%suspend%'
          OR x.m LIKE '%adjourn%' OR x.m LIKE '%postpone%' OR x.m LIKE '%discharge%'
          OR x.m LIKE '%substitut%' OR x.m LIKE '%override%' OR x.m LIKE '%veto%'
          OR x.m LIKE '%rule%' OR x.m LIKE '%appeal%' OR x.m LIKE '%previous question%'
          OR x.m LIKE '%call of the%' THEN 'procedural'
        WHEN NOT x.by_chamber THEN 'committee'
        WHEN x.m LIKE '%committee%' OR x.m LIKE '%do pass%' OR x.m LIKE '%report%'
          OR x.m LIKE '%favorabl%' OR x.m LIKE '%recommend%' THEN 'committee'
        WHEN x.m LIKE '%third reading%' OR x.m LIKE '%pass%' OR x.m LIKE '%adopt%'
          OR x.m LIKE '%majority%' OR x.m IN ('sm', 'two-thirds', 'three-fifths', 'three-fourths')
          OR x.m LIKE '_/_' THEN 'passage'
        ELSE 'committee'
    END AS kind
FROM (
    SELECT
        v.id AS vote_id,
        v.motion_classification AS classes,
        LOWER(TRIM(v.motion)) AS m,
        -- Taken by a chamber or the whole legislature (a city council: its organization is
        -- classified `legislature`), not a committee.
        (v.organization IS NULL OR v.organization IN ('upper', 'lower', 'legislature')
         OR EXISTS (SELECT 1 FROM organizations o
                    WHERE o.jurisdiction_id = v.jurisdiction_id AND o.name = v.organization
                      AND o.classification IN ('upper', 'lower', 'legislature'))) AS by_chamber
    FROM votes v
) x;

-- Every vote record on a roll call of a coalition's tracked bill, once per group holding a
-- position (support or oppose: `watch` is not scored) on the bill, with the side it scores
-- on: `with` (yes on a supported bill, no on an opposed one), `against` (the reverse),
-- `absent` (any other option: absent, excused, not voting, abstain, other). A tracked bill
-- without a session is the newest one of that identifier (by first action, then load).
CREATE VIEW scorecard_votes AS
SELECT
    cb.coalition_id,
    cb.group_id,
    cb.assigned,
    cb.position,
    b.jurisdiction_id,
    b.session,
    b.id AS bill_id,
    b.identifier AS bill_identifier,
    v.id AS vote_id,
    v.date,
    v.motion,
    v.organization,
    k.kind AS vote_kind,
    r.voter_name,
    r.person_id,
    r.option,
    CASE
        WHEN (cb.position = 'support' AND r.option = 'yes') OR (cb.position = 'oppose' AND r.option = 'no') THEN 'with'
        WHEN (cb.position = 'support' AND r.option = 'no') OR (cb.position = 'oppose' AND r.option = 'yes') THEN 'against'
        ELSE 'absent'
    END AS side
FROM coalition_bills cb
JOIN bills b ON b.jurisdiction_id = cb.jurisdiction_id AND b.identifier = cb.identifier
    AND (b.session = cb.session
         OR (cb.session = '' AND b.id = (SELECT n.id FROM bills n
                                          WHERE n.jurisdiction_id = cb.jurisdiction_id AND n.identifier = cb.identifier
                                          ORDER BY n.first_action_date IS NULL, n.first_action_date DESC, n.created_run_id DESC
                                          LIMIT 1)))
JOIN votes v ON v.bill_id = b.id
JOIN vote_kinds k ON k.vote_id = v.id
JOIN vote_records r ON r.vote_id = v.id
WHERE cb.position IN ('support', 'oppose');

-- The default scorecard: each legislator's final passage votes on a coalition's tracked
-- bills against the assigned group's position. Voters not linked to a person are left out
-- (`unmatched_voters`). score = votes_with / (votes_with + votes_against), a percentage to
-- one decimal; absences do not count for or against; NULL with no vote either way.
CREATE VIEW legislator_scorecards AS
SELECT
    s.coalition_id,
    s.jurisdiction_id,
    s.person_id,
    p.name,
    p.chamber,
    p.district,
    p.party,
    SUM(CASE WHEN s.side = 'with' THEN 1 ELSE 0 END) AS votes_with,
    SUM(CASE WHEN s.side = 'against' THEN 1 ELSE 0 END) AS votes_against,
    SUM(CASE WHEN s.side = 'absent' THEN 1 ELSE 0 END) AS absent,
    CAST(ROUND(100.0 * SUM(CASE WHEN s.side = 'with' THEN 1 ELSE 0 END)
               / NULLIF(SUM(CASE WHEN s.side IN ('with', 'against') THEN 1 ELSE 0 END), 0), 1) AS DOUBLE PRECISION) AS score
FROM scorecard_votes s
JOIN people p ON p.id = s.person_id
WHERE s.vote_kind = 'passage' AND s.assigned = TRUE
GROUP BY s.coalition_id, s.jurisdiction_id, s.person_id, p.name, p.chamber, p.district, p.party;
