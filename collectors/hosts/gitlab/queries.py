"""The GraphQL query that reads one project's host-side evidence in a single request.

Field and argument names are GitLab's GraphQL schema (docs.gitlab.com/api/graphql/reference):
the default branch's name and head, the "pipelines must succeed" setting, merge
requests merged into the default branch in the window with their approvers and
first commit (a merge request's `commits` list newest first, so `last: 1` is the
first), issues updated in the window with their type and labels, releases with
their asset links, and environments with their deployment tier. GitLab
Enterprise Edition adds the push rules (signed commits), the security analyzers
of the latest default-branch pipeline and the vulnerabilities (the Vulnerability
Report, an Ultimate feature) and, when the window fits its 180 days, GitLab's own
DORA metrics (Ultimate); Community Edition has none of these types, so another
form of the query leaves them out.

GitLab caps a query's complexity (250 for a signed-in user) and answers a query
over it with an error and no data; `queryComplexity` reports the score, which
this query keeps under 200. A connection without `first` gets GitLab's page size
of 100.

The whole query runs once; merge requests, issues, releases and environments then
continue with the same document (see `hosts.paging`): `$whole: false` leaves out
everything but the connections switched on, each from its `…After` cursor.
"""

from __future__ import annotations

_WHOLE = """
    webUrl
    archived
    onlyAllowMergeIfPipelineSucceeds
    repository {
      rootRef
      empty
      tree { lastCommit { sha } }
    }
"""

# Read newest first back to the window's start, a page at a time (see `hosts.paging`).
_PAGED = """
    mergeRequests(state: merged, mergedAfter: $since, targetBranches: [$branch],
                  sort: MERGED_AT_DESC, first: 100, after: $mergeRequestsAfter)
        @include(if: $mergeRequests) {
      nodes {
        iid
        webUrl
        mergedAt
        mergeCommitSha
        author { username }
        approvedBy { nodes { username } }
        commits(last: 1) { nodes { authoredDate } }
        labels { nodes { title } }
      }
      pageInfo { hasNextPage endCursor }
    }
    issues(updatedAfter: $since, sort: UPDATED_DESC, first: 100, after: $issuesAfter)
        @include(if: $issues) {
      nodes {
        iid
        webUrl
        createdAt
        updatedAt
        closedAt
        type
        labels { nodes { title } }
      }
      pageInfo { hasNextPage endCursor }
    }
    releases(sort: RELEASED_AT_DESC, first: 100, after: $releasesAfter)
        @include(if: $releases) {
      nodes {
        tagName
        releasedAt
        upcomingRelease
        links { selfUrl }
        assets { links(first: 50) { nodes { name } } }
      }
      pageInfo { hasNextPage endCursor }
    }
    environments(first: 100, after: $environmentsAfter) @include(if: $environments) {
      nodes { name tier }
      pageInfo { hasNextPage endCursor }
    }
"""

# Enterprise Edition only (gitlab.com, and self-managed gitlab-ee with or without a licence).
_ENTERPRISE = """
    pushRules { rejectUnsignedCommits }
    securityScanners { available enabled pipelineRun }
    vulnerabilities(sort: detected_desc, first: 100) {
      nodes {
        reportType
        severity
        state
        detectedAt
        resolvedAt
        dismissedAt
        updatedAt
        webUrl
        scanner { name }
      }
    }
"""

# GitLab's DORA metrics (Ultimate; null below it), production-tier environments, at most
# 180 days: deployments per day, and the whole window's medians and failure ratio.
_DORA = """
    dora {
      daily: metrics(startDate: $doraStart, endDate: $doraEnd, interval: DAILY) {
        date
        deploymentFrequency
      }
      whole: metrics(startDate: $doraStart, endDate: $doraEnd, interval: ALL) {
        leadTimeForChanges
        timeToRestoreService
        changeFailureRate
      }
    }
"""

_QUERY = """
query MaturityProject($fullPath: ID!, $since: Time!, $branch: String!%s,
    $whole: Boolean = true,
    $mergeRequests: Boolean = true, $mergeRequestsAfter: String,
    $issues: Boolean = true, $issuesAfter: String,
    $releases: Boolean = true, $releasesAfter: String,
    $environments: Boolean = true, $environmentsAfter: String) {
  queryComplexity { score limit }
  project(fullPath: $fullPath) {
    ... @include(if: $whole) {%s    }%s  }
}
"""

PROJECT_WITH_DORA = _QUERY % (", $doraStart: Date!, $doraEnd: Date!",
                              _WHOLE + _ENTERPRISE + _DORA, _PAGED)
PROJECT = _QUERY % ("", _WHOLE + _ENTERPRISE, _PAGED)
PROJECT_COMMUNITY = _QUERY % ("", _WHOLE, _PAGED)
ENTERPRISE_FIELDS = ("pushRules", "securityScanners", "vulnerabilities", "dora")
