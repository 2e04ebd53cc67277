//! Jira Service Management's service desk API, `/rest/servicedeskapi`: the same paths on Cloud
//! and Data Center. The operations are declared here, beside the client methods that call
//! them.
//!
//! Two things differ between the flavors and are handled inside the methods: people are named
//! by account id on Cloud and by user name on Data Center (`accountIds` / `usernames` in
//! bodies), and a new customer's name is `displayName` on Cloud, `fullName` on Data Center.
//! Text bodies (request comments, a request's description) are wiki markup on both: this API
//! takes and returns plain strings, not ADF. Several endpoints are still marked experimental
//! and need the `X-ExperimentalApi: opt-in` header, which every request here sends.
//!
//! Lists come as `{size, start, limit, isLastPage, values}`; [`Page`] reads that shape too.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    JiraClient, JiraError,
    models::{Issue, Page, Shown, User, lenient},
    ops::{Api::ServiceDesk, Method, On::Both, Op},
};
use crate::{config::Flavor, http::ApiRequest};

pub const DESKS: Op = Op::new(Method::Get, ServiceDesk, "/servicedesk", Both);
pub const REQUEST_TYPES: Op = Op::new(
    Method::Get,
    ServiceDesk,
    "/servicedesk/{serviceDeskId}/requesttype",
    Both,
);
pub const REQUEST_TYPE_FIELDS: Op = Op::new(
    Method::Get,
    ServiceDesk,
    "/servicedesk/{serviceDeskId}/requesttype/{requestTypeId}/field",
    Both,
);
pub const REQUEST_CREATE: Op = Op::new(Method::Post, ServiceDesk, "/request", Both);
pub const REQUESTS: Op = Op::new(Method::Get, ServiceDesk, "/request", Both);
pub const REQUEST_GET: Op = Op::new(Method::Get, ServiceDesk, "/request/{issueIdOrKey}", Both);
pub const APPROVALS: Op = Op::new(Method::Get, ServiceDesk, "/request/{issueIdOrKey}/approval", Both);
pub const APPROVAL_ANSWER: Op = Op::new(
    Method::Post,
    ServiceDesk,
    "/request/{issueIdOrKey}/approval/{approvalId}",
    Both,
);
pub const TRANSITIONS: Op = Op::new(Method::Get, ServiceDesk, "/request/{issueIdOrKey}/transition", Both);
pub const TRANSITION: Op = Op::new(Method::Post, ServiceDesk, "/request/{issueIdOrKey}/transition", Both);
pub const COMMENTS: Op = Op::new(Method::Get, ServiceDesk, "/request/{issueIdOrKey}/comment", Both);
pub const COMMENT_ADD: Op = Op::new(Method::Post, ServiceDesk, "/request/{issueIdOrKey}/comment", Both);
pub const PARTICIPANTS_ADD: Op = Op::new(Method::Post, ServiceDesk, "/request/{issueIdOrKey}/participant", Both);
pub const PARTICIPANTS_REMOVE: Op = Op::new(Method::Delete, ServiceDesk, "/request/{issueIdOrKey}/participant", Both);
pub const QUEUES: Op = Op::new(Method::Get, ServiceDesk, "/servicedesk/{serviceDeskId}/queue", Both);
pub const QUEUE_ISSUES: Op = Op::new(
    Method::Get,
    ServiceDesk,
    "/servicedesk/{serviceDeskId}/queue/{queueId}/issue",
    Both,
);
pub const DESK_CUSTOMERS: Op = Op::new(Method::Get, ServiceDesk, "/servicedesk/{serviceDeskId}/customer", Both);
pub const DESK_CUSTOMERS_ADD: Op = Op::new(Method::Post, ServiceDesk, "/servicedesk/{serviceDeskId}/customer", Both);
pub const CUSTOMER_CREATE: Op = Op::new(Method::Post, ServiceDesk, "/customer", Both);
pub const ORGANIZATIONS: Op = Op::new(Method::Get, ServiceDesk, "/organization", Both);
pub const DESK_ORGANIZATIONS: Op = Op::new(
    Method::Get,
    ServiceDesk,
    "/servicedesk/{serviceDeskId}/organization",
    Both,
);
pub const DESK_ORGANIZATION_ADD: Op = Op::new(
    Method::Post,
    ServiceDesk,
    "/servicedesk/{serviceDeskId}/organization",
    Both,
);
pub const ORGANIZATION_CREATE: Op = Op::new(Method::Post, ServiceDesk, "/organization", Both);
pub const ORGANIZATION_USERS: Op = Op::new(Method::Get, ServiceDesk, "/organization/{organizationId}/user", Both);
pub const ORGANIZATION_USERS_ADD: Op = Op::new(Method::Post, ServiceDesk, "/organization/{organizationId}/user", Both);
pub const ARTICLES: Op = Op::new(Method::Get, ServiceDesk, "/knowledgebase/article", Both);
pub const DESK_ARTICLES: Op = Op::new(
    Method::Get,
    ServiceDesk,
    "/servicedesk/{serviceDeskId}/knowledgebase/article",
    Both,
);

/// A date as JSM sends it: several renderings of one instant.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JsmDate {
    pub iso8601: Shown,
    pub friendly: Shown,
}

impl JsmDate {
    /// The ISO form, else the friendly one.
    pub fn shown(&self) -> Option<String> {
        self.iso8601.get().or_else(|| self.friendly.get())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Desk {
    pub id: Shown,
    pub project_key: Shown,
    pub project_name: Shown,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestType {
    pub id: Shown,
    pub name: Shown,
    pub description: Shown,
}

/// A valid value of a request type field (options nest: cascading selects).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ValidValue {
    pub value: Shown,
    pub label: Shown,
    #[serde(deserialize_with = "lenient")]
    pub children: Vec<ValidValue>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct JiraSchema {
    #[serde(rename = "type")]
    pub kind: Shown,
    pub items: Shown,
    pub system: Shown,
    pub custom: Shown,
}

/// One field of a request type's form.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestTypeField {
    pub field_id: Shown,
    pub name: Shown,
    #[serde(deserialize_with = "lenient")]
    pub required: bool,
    #[serde(deserialize_with = "lenient")]
    pub valid_values: Vec<ValidValue>,
    #[serde(deserialize_with = "lenient")]
    pub jira_schema: JiraSchema,
}

/// `{requestTypeFields: [...], canRaiseOnBehalfOf, canAddRequestParticipants}`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestForm {
    #[serde(deserialize_with = "lenient")]
    pub request_type_fields: Vec<RequestTypeField>,
    #[serde(deserialize_with = "lenient")]
    pub can_raise_on_behalf_of: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub can_add_request_participants: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestStatus {
    pub status: Shown,
    pub status_category: Shown,
    #[serde(deserialize_with = "lenient")]
    pub status_date: JsmDate,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Duration {
    pub friendly: Shown,
    #[serde(deserialize_with = "lenient")]
    pub millis: Option<i64>,
}

/// One cycle of an SLA, as JSM computed it (never derived from the changelog here).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SlaCycle {
    #[serde(deserialize_with = "lenient")]
    pub breached: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub paused: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub goal_duration: Duration,
    #[serde(deserialize_with = "lenient")]
    pub elapsed_time: Duration,
    #[serde(deserialize_with = "lenient")]
    pub remaining_time: Duration,
    #[serde(deserialize_with = "lenient")]
    pub breach_time: JsmDate,
    #[serde(deserialize_with = "lenient")]
    pub stop_time: JsmDate,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Sla {
    pub name: Shown,
    #[serde(deserialize_with = "lenient")]
    pub ongoing_cycle: Option<SlaCycle>,
    #[serde(deserialize_with = "lenient")]
    pub completed_cycles: Vec<SlaCycle>,
}

/// A field value on a request: its label and value (wiki markup for text).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldValue {
    pub field_id: Shown,
    pub label: Shown,
    pub value: Value,
}

/// A customer request, read with its status history, SLAs and participants expanded.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CustomerRequest {
    pub issue_key: Shown,
    pub summary: Shown,
    #[serde(deserialize_with = "lenient")]
    pub request_type: RequestType,
    #[serde(deserialize_with = "lenient")]
    pub service_desk: Desk,
    pub service_desk_id: Shown,
    #[serde(deserialize_with = "lenient")]
    pub reporter: Option<User>,
    #[serde(deserialize_with = "lenient")]
    pub created_date: JsmDate,
    #[serde(deserialize_with = "lenient")]
    pub current_status: RequestStatus,
    #[serde(deserialize_with = "lenient")]
    pub request_field_values: Vec<FieldValue>,
    pub participants: Page<User>,
    pub sla: Page<Sla>,
    pub status: Page<RequestStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequestComment {
    pub id: Shown,
    #[serde(deserialize_with = "lenient")]
    pub body: String,
    #[serde(deserialize_with = "lenient")]
    pub public: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub author: Option<User>,
    #[serde(deserialize_with = "lenient")]
    pub created: JsmDate,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Approver {
    #[serde(deserialize_with = "lenient")]
    pub approver: User,
    pub approver_decision: Shown,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Approval {
    pub id: Shown,
    pub name: Shown,
    pub final_decision: Shown,
    #[serde(deserialize_with = "lenient")]
    pub can_answer_approval: Option<bool>,
    #[serde(deserialize_with = "lenient")]
    pub approvers: Vec<Approver>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct NamedId {
    pub id: Shown,
    pub name: Shown,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Queue {
    pub id: Shown,
    pub name: Shown,
    pub jql: Shown,
    #[serde(deserialize_with = "lenient")]
    pub issue_count: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ArticleSource {
    #[serde(rename = "type")]
    pub kind: Shown,
    #[serde(rename = "pageId")]
    pub page_id: Shown,
    #[serde(rename = "spaceKey")]
    pub space_key: Shown,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ArticleContent {
    #[serde(rename = "iframeSrc")]
    pub iframe_src: Shown,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Article {
    pub title: Shown,
    pub excerpt: Shown,
    #[serde(deserialize_with = "lenient")]
    pub source: ArticleSource,
    #[serde(deserialize_with = "lenient")]
    pub content: ArticleContent,
}

/// What a new request is made of (field values already in JSM's shapes).
#[derive(Debug, Clone, Default)]
pub struct NewRequest {
    pub service_desk_id: String,
    pub request_type_id: String,
    pub field_values: serde_json::Map<String, Value>,
    /// Account id (Cloud) or user name (Data Center).
    pub on_behalf_of: Option<String>,
    pub participants: Vec<String>,
}

/// `start`/`limit` paging, as every list of this API takes it.
fn paged(req: ApiRequest, start: u64, limit: u32) -> ApiRequest {
    req.query("start", start).query("limit", limit)
}

impl JiraClient {
    /// A service desk request: the experimental endpoints need the opt-in header.
    async fn desk_request(&self, op: Op, args: &[&str]) -> Result<ApiRequest, JiraError> {
        Ok(self.request(op, args).await?.header("X-ExperimentalApi", "opt-in"))
    }

    /// `accountIds` on Cloud, `usernames` on Data Center.
    pub fn people_key(&self) -> &'static str {
        match self.flavor() {
            Flavor::Cloud => "accountIds",
            Flavor::DataCenter => "usernames",
        }
    }

    pub async fn service_desks(&self, start: u64, limit: u32) -> Result<Page<Desk>, JiraError> {
        let req = paged(self.desk_request(DESKS, &[]).await?, start, limit);
        self.call(req).await
    }

    pub async fn request_types(
        &self,
        desk: &str,
        query: Option<&str>,
        start: u64,
        limit: u32,
    ) -> Result<Page<RequestType>, JiraError> {
        let mut req = paged(self.desk_request(REQUEST_TYPES, &[desk]).await?, start, limit);
        if let Some(q) = query {
            req = req.query("searchQuery", q);
        }
        self.call(req).await
    }

    pub async fn request_type_fields(&self, desk: &str, request_type: &str) -> Result<RequestForm, JiraError> {
        let req = self.desk_request(REQUEST_TYPE_FIELDS, &[desk, request_type]).await?;
        self.call(req).await
    }

    /// Creates a request; answers its key.
    pub async fn create_request(&self, r: &NewRequest) -> Result<CustomerRequest, JiraError> {
        let mut body = json!({
            "serviceDeskId": r.service_desk_id,
            "requestTypeId": r.request_type_id,
            "requestFieldValues": r.field_values,
        });
        if let Some(who) = &r.on_behalf_of {
            body["raiseOnBehalfOf"] = json!(who);
        }
        if !r.participants.is_empty() {
            body["requestParticipants"] = json!(r.participants);
        }
        let req = self.desk_request(REQUEST_CREATE, &[]).await?.json(body);
        self.call(req).await
    }

    /// Requests visible to the caller, filtered as JSM allows.
    pub async fn customer_requests(
        &self,
        filter: &[(&str, String)],
        start: u64,
        limit: u32,
    ) -> Result<Page<CustomerRequest>, JiraError> {
        let mut req = paged(self.desk_request(REQUESTS, &[]).await?, start, limit);
        for (k, v) in filter {
            req = req.query(k, v);
        }
        self.call(req.query("expand", "requestType")).await
    }

    /// One request with its status history, SLAs, participants, type and desk.
    pub async fn customer_request(&self, key: &str) -> Result<CustomerRequest, JiraError> {
        let req = self
            .desk_request(REQUEST_GET, &[key])
            .await?
            .query("expand", "participant,status,sla,requestType,serviceDesk");
        self.call(req).await
    }

    pub async fn approvals(&self, key: &str) -> Result<Page<Approval>, JiraError> {
        let req = paged(self.desk_request(APPROVALS, &[key]).await?, 0, 50);
        self.call(req).await
    }

    /// `approve` or `decline`; answers the approval as it now stands.
    pub async fn answer_approval(&self, key: &str, approval: &str, decision: &str) -> Result<Approval, JiraError> {
        let req = self
            .desk_request(APPROVAL_ANSWER, &[key, approval])
            .await?
            .json(json!({ "decision": decision }));
        self.call(req).await
    }

    pub async fn request_transitions(&self, key: &str) -> Result<Page<NamedId>, JiraError> {
        let req = paged(self.desk_request(TRANSITIONS, &[key]).await?, 0, 100);
        self.call(req).await
    }

    pub async fn transition_request(&self, key: &str, transition_id: &str) -> Result<(), JiraError> {
        let req = self
            .desk_request(TRANSITION, &[key])
            .await?
            .json(json!({ "id": transition_id }));
        self.send(req).await
    }

    /// Comments, oldest first; `public` filters to customer-visible (`Some(true)`) or internal
    /// (`Some(false)`) ones.
    pub async fn request_comments(
        &self,
        key: &str,
        public: Option<bool>,
        start: u64,
        limit: u32,
    ) -> Result<Page<RequestComment>, JiraError> {
        let mut req = paged(self.desk_request(COMMENTS, &[key]).await?, start, limit);
        if let Some(p) = public {
            req = req.query("public", p).query("internal", !p);
        }
        self.call(req).await
    }

    /// Adds a comment (wiki markup); `public` decides whether the customer sees it.
    pub async fn add_request_comment(&self, key: &str, body: &str, public: bool) -> Result<RequestComment, JiraError> {
        let req = self
            .desk_request(COMMENT_ADD, &[key])
            .await?
            .json(json!({ "body": body, "public": public }));
        self.call(req).await
    }

    /// Adds (`add`) or removes participants; answers the participants after the change.
    pub async fn change_participants(&self, key: &str, people: &[String], add: bool) -> Result<Page<User>, JiraError> {
        let op = if add { PARTICIPANTS_ADD } else { PARTICIPANTS_REMOVE };
        let req = self
            .desk_request(op, &[key])
            .await?
            .json(json!({ self.people_key(): people }));
        self.call(req).await
    }

    pub async fn queues(&self, desk: &str, start: u64, limit: u32) -> Result<Page<Queue>, JiraError> {
        let req = paged(self.desk_request(QUEUES, &[desk]).await?, start, limit).query("includeCount", true);
        self.call(req).await
    }

    pub async fn queue_issues(
        &self,
        desk: &str,
        queue: &str,
        start: u64,
        limit: u32,
    ) -> Result<Page<Issue>, JiraError> {
        let req = paged(self.desk_request(QUEUE_ISSUES, &[desk, queue]).await?, start, limit);
        self.call(req).await
    }

    /// Customers of a desk, or members of an organization (`org` set).
    pub async fn customers(
        &self,
        desk: Option<&str>,
        org: Option<&str>,
        query: Option<&str>,
        start: u64,
        limit: u32,
    ) -> Result<Page<User>, JiraError> {
        let mut req = match (desk, org) {
            (_, Some(org)) => self.desk_request(ORGANIZATION_USERS, &[org]).await?,
            (Some(desk), None) => self.desk_request(DESK_CUSTOMERS, &[desk]).await?,
            (None, None) => return Err(JiraError::Input("name a service desk or an organization".into())),
        };
        if let (Some(q), None) = (query, org) {
            req = req.query("query", q);
        }
        self.call(paged(req, start, limit)).await
    }

    /// Organizations of a desk, or all of them.
    pub async fn organizations(&self, desk: Option<&str>, start: u64, limit: u32) -> Result<Page<NamedId>, JiraError> {
        let req = match desk {
            Some(d) => self.desk_request(DESK_ORGANIZATIONS, &[d]).await?,
            None => self.desk_request(ORGANIZATIONS, &[]).await?,
        };
        self.call(paged(req, start, limit)).await
    }

    /// Creates a customer account; answers it.
    pub async fn create_customer(&self, email: &str, name: &str) -> Result<User, JiraError> {
        let body = match self.flavor() {
            Flavor::Cloud => json!({ "email": email, "displayName": name }),
            Flavor::DataCenter => json!({ "email": email, "fullName": name }),
        };
        let req = self.desk_request(CUSTOMER_CREATE, &[]).await?.json(body);
        self.call(req).await
    }

    pub async fn create_organization(&self, name: &str) -> Result<NamedId, JiraError> {
        let req = self
            .desk_request(ORGANIZATION_CREATE, &[])
            .await?
            .json(json!({ "name": name }));
        self.call(req).await
    }

    pub async fn add_desk_customers(&self, desk: &str, people: &[String]) -> Result<(), JiraError> {
        let req = self
            .desk_request(DESK_CUSTOMERS_ADD, &[desk])
            .await?
            .json(json!({ self.people_key(): people }));
        self.send(req).await
    }

    pub async fn add_organization_users(&self, org: &str, people: &[String]) -> Result<(), JiraError> {
        let req = self
            .desk_request(ORGANIZATION_USERS_ADD, &[org])
            .await?
            .json(json!({ self.people_key(): people }));
        self.send(req).await
    }

    pub async fn add_desk_organization(&self, desk: &str, org: &str) -> Result<(), JiraError> {
        let id: Value = org.parse::<i64>().map_or_else(|_| json!(org), |n| json!(n));
        let req = self
            .desk_request(DESK_ORGANIZATION_ADD, &[desk])
            .await?
            .json(json!({ "organizationId": id }));
        self.send(req).await
    }

    /// Knowledge base articles matching `query`, in one desk or all.
    pub async fn articles(
        &self,
        desk: Option<&str>,
        query: &str,
        start: u64,
        limit: u32,
    ) -> Result<Page<Article>, JiraError> {
        let req = match desk {
            Some(d) => self.desk_request(DESK_ARTICLES, &[d]).await?,
            None => self.desk_request(ARTICLES, &[]).await?,
        };
        let req = paged(req, start, limit).query("query", query).query("highlight", false);
        self.call(req).await
    }
}
