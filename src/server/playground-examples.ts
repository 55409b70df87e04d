/** The operations the playground opens with: a tour of the graph in one document. */
export const EXAMPLE_OPERATIONS = `# Welcome to Customer Graph.
# Press the run button (or Ctrl-Enter) to see the first page of customers with
# their persona, holdings, latest touchpoints and referrals. Open the docs
# explorer to read about every type and field.

query Customer360 {
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
