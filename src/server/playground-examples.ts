/** The operations the playground opens with: a tour of the graph in one document. */

/** The first example: one page of customers with everything around them. */
export const CUSTOMER_360_OPERATION = `query Customer360 {
  customers(first: 5, orderBy: LAST_PURCHASE_AT_DESC) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      name
      email
      stage
      stageEnteredAt
      persona { name preferredChannels }
      holdings(first: 5) {
        nodes { status since totalSpend product { name category } }
      }
      touchpoints(first: 5) {
        nodes { channel direction occurredAt response campaign }
      }
      referralsMade { totalCount }
      referredBy { sourceChannel referrer { name } }
      stageHistory(last: 3) {
        nodes { from to trigger reason occurredAt }
      }
    }
  }
}
`;

/** Customer insight: the churn model, risk, value, cross-sell, win-back and referrals. */
export const ANALYTICS_OPERATIONS = `# Customer insight. Fit the models first (FitChurnModel), then run the others.
# What every number means: docs/analytics.md.

mutation FitChurnModel {
  fitChurnModel(input: { timeUnit: WEEKS }) {
    scoredCustomers
    movedToAtRisk
    model { id calibrationEnd fitMs scoringMs customerCount repeatCustomerCount }
  }
}

query ChurnModel {
  churnModel {
    calibrationEnd
    timeUnit
    fittedAt
    fitMs
    customerCount
    repeatCustomerCount
    transactionCount
    horizonMonths
    discountRatePerMonth
    bgNbd { r alpha a b logLikelihood meanPurchaseRate meanDropoutProbability }
    gammaGamma { p q gamma logLikelihood customerCount populationMeanSpend }
  }
}

query AtRiskCustomers {
  customers(first: 5, filter: { stageIn: [AT_RISK] }) {
    nodes {
      name
      stage
      churnRisk {
        score
        level
        probabilityAlive
        accountChurn { score explanation }
        productChurn { score explanation }
        decreasedSpend { score explanation }
        factors { name value contribution }
        evidence { kind touchpoint { channel direction response occurredAt campaign } }
      }
      lifetimeValue { historicalSpend predictedValue expectedPurchases expectedSpend }
      valueTier
    }
  }
}

query CrossSell {
  customers(first: 5, orderBy: LAST_PURCHASE_AT_DESC) {
    nodes {
      name
      persona { name }
      holdings(first: 10) { nodes { status product { name } } }
      crossSellRecommendations(first: 3) { rank confidence reason recommendedChannel product { name category price } }
    }
  }
}

query ValueTiers {
  valueTiers {
    summary
    paretoRuleHolds
    customerCount
    revenue
    predictedValue
    tiers { tier customerCount customerShare revenue revenueShare predictedValue predictedValueShare minPredictedValue }
  }
}

query ReactivationCandidates {
  reactivationCandidates(first: 10) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      score
      comebackProbability
      valueIfReactivated
      reasons
      valueTier
      recommendedChannel
      customer { name stage }
      lastPurchase { occurredAt amount product { name } }
      lastTouchpoint { channel response occurredAt }
    }
  }
}

query ReferralMetrics {
  referralMetrics(from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") {
    total { referrals converted conversionRate liftOverLeadConversion revenue }
    channels { channel referrals converted conversionRate liftOverLeadConversion revenue }
    leadConversion { customersCreated converted conversionRate }
    topReferrers { customer { name } referrals converted revenue }
    costPerReferral
    programmeCost
    returnOnInvestment
  }
}
`;

/** One profile per person: duplicate candidates, then merge (and undo) with the IDs they give. */
export const MERGE_OPERATIONS = `# Duplicates and merges (docs/merge.md). DuplicateCandidates lists pairs that may be
# one person, best first; put a pair's IDs in the variables to merge them, and the
# merge's ID to undo it.

query DuplicateCandidates {
  duplicateCandidates(first: 10, minScore: 0.5) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      score
      reasons
      nameSimilarity
      customer { id name email phone stage }
      duplicate { id name email phone stage }
    }
  }
}

mutation MergeDuplicates($survivorId: ID!, $mergedIds: [ID!]!) {
  mergeCustomers(input: { survivorId: $survivorId, mergedIds: $mergedIds }) {
    merge { id mergedIds mergedAt }
    survivor { id name email stage purchases { totalCount } possibleDuplicates { totalCount } }
  }
}

mutation UndoMerge($mergeId: ID!) {
  unmergeCustomers(mergeId: $mergeId) {
    merge { id unmergedAt }
    customers { id name email stage }
  }
}
`;

/** Consent: who agreed to what, on which channel marketing may reach them, and the history of changes. */
export const CONSENT_OPERATIONS = `# Consent and communication preferences (docs/privacy.md#consent-model). Personal data: needs pii:read.

query CommunicationPreferences {
  customers(first: 10, orderBy: LAST_PURCHASE_AT_DESC) {
    nodes {
      name
      communicationPreferences {
        channels { channel status source recordedAt }
        preferredChannel
        contactCap
        outboundMarketingLast30Days
        contactability { reachable recommendedChannel reason }
      }
      consentHistory(first: 5) {
        totalCount
        nodes { changes { channel status } preferredChannel contactCap source recordedAt }
      }
    }
  }
}
`;

export const EXAMPLE_OPERATIONS = `# Welcome to Customer Graph.
# This document holds several operations. Press the run button and pick
# Customer360 for the first page of customers with their persona, holdings,
# latest touchpoints and referrals; the others show churn risk, value tiers,
# cross-sell, reactivation and referral metrics, CommunicationPreferences shows
# consent per channel, then duplicates and merges. Open the docs explorer to read
# about every type and field.

${CUSTOMER_360_OPERATION}
${ANALYTICS_OPERATIONS}
${CONSENT_OPERATIONS}
${MERGE_OPERATIONS}`;
