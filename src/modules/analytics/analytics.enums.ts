import { registerEnumType } from 'type-graphql';
import { RISK_LEVEL_THRESHOLDS } from '../../analytics/churn-risk';

/** Time unit of a churn model's parameters. */
export enum ChurnModelTimeUnit {
  DAYS = 'DAYS',
  WEEKS = 'WEEKS',
  MONTHS = 'MONTHS',
}

/** Length of each time unit in days (a month is a mean Gregorian month). */
export const TIME_UNIT_DAYS: Record<ChurnModelTimeUnit, number> = {
  DAYS: 1,
  WEEKS: 7,
  MONTHS: 365.2425 / 12,
};

export enum ChurnRiskLevel {
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
  CRITICAL = 'CRITICAL',
}

export enum ChurnKind {
  ACCOUNT_CHURN = 'ACCOUNT_CHURN',
  PRODUCT_CHURN = 'PRODUCT_CHURN',
  DECREASED_SPEND = 'DECREASED_SPEND',
}

export enum ValueTier {
  VIP = 'VIP',
  CORE = 'CORE',
  LOW = 'LOW',
}

export enum ChurnEvidenceKind {
  COMPLAINT = 'COMPLAINT',
  NEGATIVE_RESPONSE = 'NEGATIVE_RESPONSE',
  NO_RESPONSE = 'NO_RESPONSE',
}

const { MEDIUM, HIGH, CRITICAL } = RISK_LEVEL_THRESHOLDS;

registerEnumType(ChurnModelTimeUnit, {
  name: 'ChurnModelTimeUnit',
  description:
    'The time unit the purchase models are fitted in. It changes the scale of the BG/NBD α (a rate per unit), not the predictions.',
  valuesConfig: {
    DAYS: { description: 'Calendar days of 24 hours.' },
    WEEKS: { description: 'Weeks of 7 days (the unit of the published CDNOW results).' },
    MONTHS: { description: 'Mean Gregorian months (30.44 days).' },
  },
});

registerEnumType(ChurnRiskLevel, {
  name: 'ChurnRiskLevel',
  description: `How likely the customer is to leave, from the 0–1 churn-risk score: LOW below ${MEDIUM}, MEDIUM from ${MEDIUM}, HIGH from ${HIGH}, CRITICAL from ${CRITICAL}. Rising into HIGH or CRITICAL moves an active customer to AT_RISK.`,
  valuesConfig: {
    LOW: { description: `Score below ${MEDIUM}: buying as usual.` },
    MEDIUM: { description: `Score ${MEDIUM} to ${HIGH}: some warning signs; keep in touch.` },
    HIGH: { description: `Score ${HIGH} to ${CRITICAL}: likely to leave; act now.` },
    CRITICAL: { description: `Score ${CRITICAL} or more: has probably left already; a win-back case.` },
  },
});

registerEnumType(ChurnKind, {
  name: 'ChurnKind',
  description: 'The three ways customers churn.',
  valuesConfig: {
    ACCOUNT_CHURN: { description: 'Losing the customer completely: they stop buying altogether.' },
    PRODUCT_CHURN: { description: 'The customer lowers their product profile, e.g. from 5 products to 3.' },
    DECREASED_SPEND: { description: 'The customer keeps their products but spends less.' },
  },
});

registerEnumType(ValueTier, {
  name: 'ValueTier',
  description: 'Where a customer ranks by predicted value (CLV) among all scored customers (the 80:20 view).',
  valuesConfig: {
    VIP: { description: 'Top 20 % by predicted value: predict their needs, solve their problems, save them time.' },
    CORE: { description: 'The middle 60 %.' },
    LOW: { description: 'Bottom 20 % by predicted value.' },
  },
});

registerEnumType(ChurnEvidenceKind, {
  name: 'ChurnEvidenceKind',
  description: 'Why a touchpoint counts as a churn warning.',
  valuesConfig: {
    COMPLAINT: { description: 'The customer contacted us and was negative (inbound, NEGATIVE).' },
    NEGATIVE_RESPONSE: { description: 'The customer answered our outreach negatively (outbound, NEGATIVE).' },
    NO_RESPONSE: { description: 'Our outreach got no response (outbound, NO_RESPONSE).' },
  },
});
