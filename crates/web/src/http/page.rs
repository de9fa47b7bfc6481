//! One paging for every list: `?limit=&cursor=` in, `{"items": […], "next_cursor": …}` out.
//!
//! A list handler takes [`Paging`] beside its own filters (`ApiQuery<Paging>`; the query
//! structs ignore each other's parameters, so neither denies unknown fields), fetches
//! `paging.fetch()` rows after `paging.after_id()` (or its own cursor), and answers
//! `paging.page(rows, cursor_of, item)`: at most `limit` items and the cursor of the last one
//! when more follow. The limit is clamped to 1–[`MAX_LIMIT`] (default [`DEFAULT_LIMIT`]), never
//! refused: a client asking for 1000 gets the largest page.
//!
//! Which lists are paged: a list that grows with use (incidents, inspections, alerts, CIs, a CI's
//! history, the audit trail, in-app messages, users) answers a [`Page`], newest first; a small
//! setup catalogue (CI types, templates, plans, members, projects, organizations, tokens, backup
//! jobs, relations, photos, attachments) answers a plain array. docs/API.md says the same.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::http::cursor::{decode_cursor, encode_cursor};

/// Items of a page when the request names no limit.
pub const DEFAULT_LIMIT: u64 = 50;
/// The largest page.
pub const MAX_LIMIT: u64 = 200;

/// The paging parameters of every list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Paging {
    /// Page size, 1–200 (default 50; larger asks get 200).
    pub limit: Option<u64>,
    /// Cursor from the previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl Paging {
    /// The page size asked for, clamped to 1–[`MAX_LIMIT`].
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    /// Rows to fetch: one more than a page, to know whether another follows.
    pub fn fetch(&self) -> u64 {
        self.limit() + 1
    }

    /// The cursor sent, if any (an empty one is none).
    pub fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref().filter(|c| !c.is_empty())
    }

    /// The id an id-ordered list continues after; a cursor that is not one is a 422 on `cursor`.
    pub fn after_id(&self) -> Result<Option<i64>, ApiError> {
        self.cursor().map(decode_cursor).transpose()
    }

    /// Cuts rows fetched with [`Paging::fetch`] to a page of items; `cursor_of` gives the cursor
    /// of the last row kept when more follow.
    pub fn page<R, T>(&self, mut rows: Vec<R>, cursor_of: impl Fn(&R) -> String, item: impl FnMut(R) -> T) -> Page<T> {
        let limit = self.limit() as usize;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = rows.last().filter(|_| more).map(cursor_of);
        Page { items: rows.into_iter().map(item).collect(), next_cursor }
    }

    /// [`Paging::page`] for a list ordered by id, newest first.
    pub fn page_by_id<R, T>(&self, rows: Vec<R>, id: impl Fn(&R) -> i64, item: impl FnMut(R) -> T) -> Page<T> {
        self.page(rows, |r| encode_cursor(id(r)), item)
    }
}

/// A page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Page<T> {
    /// In the list's order.
    #[schema(schema_with = items_schema::<T>)]
    pub items: Vec<T>,
    /// Cursor of the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// `items` refers to the item's schema: utoipa would copy it into every page.
fn items_schema<T: ToSchema>() -> utoipa::openapi::schema::Array {
    utoipa::openapi::schema::ArrayBuilder::new()
        .description(Some("In the list's order."))
        .items(utoipa::openapi::Ref::from_schema_name(T::name()))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paging(limit: Option<u64>, cursor: Option<&str>) -> Paging {
        Paging { limit, cursor: cursor.map(str::to_owned) }
    }

    #[test]
    fn the_limit_defaults_to_50_and_is_clamped_to_1_through_200() {
        assert_eq!(paging(None, None).limit(), 50);
        assert_eq!(paging(Some(0), None).limit(), 1);
        assert_eq!(paging(Some(7), None).limit(), 7);
        assert_eq!(paging(Some(1000), None).limit(), 200);
        assert_eq!(paging(Some(1000), None).fetch(), 201);
    }

    #[test]
    fn a_page_keeps_the_limit_and_points_after_its_last_item_only_when_more_follow() {
        let p = paging(Some(2), None);
        let full = p.page_by_id(vec![9, 8, 7], |r| *r, |r| r * 10);
        assert_eq!(full.items, [90, 80]);
        let next = paging(Some(2), full.next_cursor.as_deref());
        assert_eq!(next.after_id().expect("cursor"), Some(8));
        let last = p.page_by_id(vec![7], |r| *r, |r| r * 10);
        assert_eq!((last.items, last.next_cursor), (vec![70], None));
    }

    #[test]
    fn an_empty_cursor_is_none_and_a_forged_one_is_refused() {
        assert_eq!(paging(None, Some("")).after_id().expect("empty"), None);
        assert!(paging(None, Some("not-a-cursor")).after_id().is_err());
    }
}
