"""The GraphQL query that reads one repository's host-side evidence in a single request.

Field names and shapes are GitHub's GraphQL schema (docs.github.com/graphql):
the default branch's head, branch protection rules and rulesets, recently merged
pull requests with their approving reviews and first commit, deployments with
their latest status, releases with asset names, recently closed issues with
labels, and Dependabot alerts. A field the token may not read comes back null
with a FORBIDDEN entry in `errors`; the rest of the answer still counts.
"""

from __future__ import annotations

REPOSITORY = """
query MaturityRepository($owner: String!, $name: String!, $since: DateTime!) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    url
    isArchived
    pushedAt
    defaultBranchRef {
      name
      target { ... on Commit { oid } }
    }
    branchProtectionRules(first: 20) {
      nodes {
        pattern
        requiresApprovingReviews
        requiredApprovingReviewCount
        requiresCodeOwnerReviews
        requiresStatusChecks
        requiredStatusCheckContexts
        requiresCommitSignatures
        allowsForcePushes
        allowsDeletions
      }
    }
    rulesets(first: 20, includeParents: true) {
      nodes {
        name
        target
        enforcement
        conditions { refName { include exclude } }
        rules(first: 30) {
          nodes {
            type
            parameters {
              ... on PullRequestParameters { requiredApprovingReviewCount requireCodeOwnerReview }
              ... on RequiredStatusChecksParameters { requiredStatusChecks { context } }
            }
          }
        }
      }
    }
    pullRequests(states: MERGED, first: 100, orderBy: {field: UPDATED_AT, direction: DESC}) {
      nodes {
        number
        url
        mergedAt
        author { login }
        mergeCommit { oid }
        labels(first: 10) { nodes { name } }
        commits(first: 1) { nodes { commit { authoredDate committedDate } } }
        reviews(first: 20, states: APPROVED) { nodes { author { login } } }
      }
    }
    deployments(first: 100, orderBy: {field: CREATED_AT, direction: DESC}) {
      nodes {
        createdAt
        environment
        commitOid
        latestStatus { state createdAt logUrl }
      }
    }
    releases(first: 50, orderBy: {field: CREATED_AT, direction: DESC}) {
      nodes {
        tagName
        url
        publishedAt
        isDraft
        isPrerelease
        releaseAssets(first: 50) { nodes { name } }
      }
    }
    issues(first: 100, orderBy: {field: UPDATED_AT, direction: DESC}, filterBy: {since: $since}) {
      nodes {
        number
        url
        createdAt
        closedAt
        labels(first: 10) { nodes { name } }
      }
    }
    vulnerabilityAlerts(first: 100) {
      nodes {
        createdAt
        fixedAt
        dismissedAt
        state
        securityVulnerability { severity }
        securityAdvisory { permalink }
      }
    }
  }
}
"""
