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
this query keeps near 160. A connection without `first` gets GitLab's page size
of 100.
"""

from __future__ import annotations

_COMMON = """
    webUrl
    archived
    onlyAllowMergeIfPipelineSucceeds
    repository {
      rootRef
      empty
      tree { lastCommit { sha } }
    }
    mergeRequests(state: merged, mergedAfter: $since, targetBranches: [$branch],
                  sort: MERGED_AT_DESC, first: 100) {
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
    }
    issues(updatedAfter: $since, sort: UPDATED_DESC, first: 100) {
      nodes {
        iid
        webUrl
        createdAt
        closedAt
        type
        labels { nodes { title } }
      }
    }
    releases(sort: RELEASED_AT_DESC, first: 20) {
      nodes {
        tagName
        releasedAt
        upcomingRelease
        links { selfUrl }
        assets { links(first: 50) { nodes { name } } }
      }
    }
    environments(first: 100) { nodes { name tier } }
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
query MaturityProject($fullPath: ID!, $since: Time!, $branch: String!%s) {
  queryComplexity { score limit }
  project(fullPath: $fullPath) {%s  }
}
"""

PROJECT_WITH_DORA = _QUERY % (", $doraStart: Date!, $doraEnd: Date!",
                              _COMMON + _ENTERPRISE + _DORA)
PROJECT = _QUERY % ("", _COMMON + _ENTERPRISE)
PROJECT_COMMUNITY = _QUERY % ("", _COMMON)
ENTERPRISE_FIELDS = ("pushRules", "securityScanners", "vulnerabilities", "dora")
