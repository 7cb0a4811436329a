"""The GraphQL query that reads one repository's host-side evidence.

Field names and shapes are GitHub's GraphQL schema (docs.github.com/graphql; the
contract tests validate this document against GitHub's published schema): the
default branch's head, branch protection rules and rulesets, merged pull requests
with their approving reviews and first commit, deployments with their latest
status, the repository's environments, releases with asset names, issues updated
in the window with labels, and Dependabot alerts. A field the token may not read
comes back null with a FORBIDDEN entry in `errors`; the rest of the answer still
counts.

The whole query runs once; the paged connections then continue with the same
document (see `hosts.paging`): `$whole: false` leaves out everything but the
connections switched on, each from its `…After` cursor. Every list is sorted newest
first, so the reading stops at the window's start. Deployments come first for every
environment (PR previews included); when one page does not reach back to the
window's start, `productionDeployments` reads on for the production-like
environments only.
"""

from __future__ import annotations

REPOSITORY = """
query MaturityRepository($owner: String!, $name: String!, $since: DateTime!,
    $whole: Boolean = true,
    $pullRequests: Boolean = true, $pullRequestsAfter: String,
    $deployments: Boolean = true, $deploymentsAfter: String,
    $productionDeployments: Boolean = false, $productionDeploymentsAfter: String,
    $production: [String!] = [],
    $environments: Boolean = true, $environmentsAfter: String,
    $releases: Boolean = true, $releasesAfter: String,
    $issues: Boolean = true, $issuesAfter: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    ... @include(if: $whole) {
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
    pullRequests(states: MERGED, first: 100, after: $pullRequestsAfter,
                 orderBy: {field: UPDATED_AT, direction: DESC}) @include(if: $pullRequests) {
      nodes {
        number
        url
        mergedAt
        updatedAt
        author { login }
        mergeCommit { oid }
        labels(first: 10) { nodes { name } }
        commits(first: 1) { nodes { commit { authoredDate committedDate } } }
        reviews(first: 20, states: APPROVED) { nodes { author { login } } }
      }
      pageInfo { hasNextPage endCursor }
    }
    deployments(first: 100, after: $deploymentsAfter,
                orderBy: {field: CREATED_AT, direction: DESC}) @include(if: $deployments) {
      nodes { ...DeploymentRecord }
      pageInfo { hasNextPage endCursor }
    }
    productionDeployments: deployments(environments: $production, first: 100,
                                       after: $productionDeploymentsAfter,
                                       orderBy: {field: CREATED_AT, direction: DESC})
        @include(if: $productionDeployments) {
      nodes { ...DeploymentRecord }
      pageInfo { hasNextPage endCursor }
    }
    environments(first: 100, after: $environmentsAfter) @include(if: $environments) {
      nodes { name }
      pageInfo { hasNextPage endCursor }
    }
    releases(first: 100, after: $releasesAfter,
             orderBy: {field: CREATED_AT, direction: DESC}) @include(if: $releases) {
      nodes {
        tagName
        url
        createdAt
        publishedAt
        isDraft
        isPrerelease
        releaseAssets(first: 50) { nodes { name } }
      }
      pageInfo { hasNextPage endCursor }
    }
    issues(first: 100, after: $issuesAfter, orderBy: {field: UPDATED_AT, direction: DESC},
           filterBy: {since: $since}) @include(if: $issues) {
      nodes {
        number
        url
        createdAt
        updatedAt
        closedAt
        labels(first: 10) { nodes { name } }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
}

fragment DeploymentRecord on Deployment {
  createdAt
  environment
  commitOid
  latestStatus { state createdAt logUrl }
}
"""
