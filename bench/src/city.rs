//! The city (模拟城市): one district, its streets, communities and grids, the district's
//! departments, demo-style accounts, a responsibility list (三事分流责任清单) per community and
//! the households of every grid. Everything derives from the seed.

use crate::sql::{Inserts, V};
use crate::{id_at, Rng};
use chrono::{DateTime, Utc};
use rand::Rng as _;

/// Communities per street and grids per community (a typical Chinese street office).
pub const COMMUNITIES_PER_STREET: usize = 10;
pub const GRIDS_PER_COMMUNITY: usize = 10;

/// Demo-style logins of the accounts the generator creates (all with the password given on the
/// command line): `admin`, `civil.affairs`, `auditor`, `street.01`…, `staff.001`…,
/// `grid.001.01`…, `dept.cgj`…, and residents whose login is their phone `1380000xxxx`.
pub const ADMIN_LOGIN: &str = "admin";

/// District departments: (name, code).
pub const DEPARTMENTS: [(&str, &str); 8] = [
    ("民政局", "MZJ"),
    ("住房和城乡建设局", "ZJJ"),
    ("城市管理局", "CGJ"),
    ("卫生健康委员会", "WJW"),
    ("公安分局", "GAJ"),
    ("水务局", "SWJ"),
    ("生态环境局", "HBJ"),
    ("市场监督管理局", "SCJ"),
];

/// A category of the responsibility list: (code, name, class, department code, deadline hours).
pub type Category = (&'static str, &'static str, &'static str, Option<&'static str>, Option<i64>);

/// The list every community publishes (the same shape as the district's guiding catalogue).
pub const CATEGORIES: [Category; 20] = [
    ("ROAD-DAMAGE", "道路破损", "major", Some("CGJ"), Some(72)),
    ("STREETLIGHT", "路灯不亮", "major", Some("CGJ"), Some(48)),
    ("ILLEGAL-BUILD", "违章搭建", "major", Some("CGJ"), Some(168)),
    ("WATER-SUPPLY", "供水故障", "major", Some("SWJ"), Some(24)),
    ("BUILDING-SAFETY", "房屋安全隐患", "major", Some("ZJJ"), Some(72)),
    ("NIGHT-NOISE", "夜间施工噪音", "major", Some("HBJ"), Some(24)),
    ("FOOD-SAFETY", "食品安全", "major", Some("SCJ"), Some(72)),
    ("PUBLIC-SECURITY", "治安隐患", "major", Some("GAJ"), Some(24)),
    ("GREEN-SPACE", "小区绿化", "minor", None, Some(168)),
    ("PARKING", "停车秩序", "minor", None, Some(168)),
    ("ELEVATOR", "加装电梯协商", "minor", None, Some(720)),
    ("CORRIDOR-CLUTTER", "楼道堆物", "minor", None, Some(72)),
    ("PROPERTY-SERVICE", "物业服务", "minor", None, Some(168)),
    ("NEIGHBOUR-DISPUTE", "邻里纠纷", "minor", None, Some(168)),
    ("DOG-KEEPING", "文明养犬", "minor", None, Some(72)),
    ("HOME-REPAIR", "家庭维修", "private", None, None),
    ("ELDER-CARE", "居家养老", "private", None, None),
    ("LEGAL-ADVICE", "法律咨询", "private", None, None),
    ("JOB-HELP", "就业帮扶", "private", None, None),
    ("HOUSEKEEPING", "家政服务", "private", None, None),
];

const SURNAMES: [&str; 20] = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"];
const GIVEN: [&str; 16] = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明"];
const STREET_NAMES: [&str; 10] = ["三厂", "海门", "滨江", "临江", "正余", "包场", "余东", "常乐", "悦来", "四甲"];
const HOUSEHOLD_TAGS: [&str; 6] = ["elderly_alone", "disability", "hardship", "left_behind_child", "veteran", "rental"];

/// A person's name drawn from common surnames and given names.
pub fn person_name(rng: &mut Rng) -> String {
    let s = SURNAMES[rng.gen_range(0..SURNAMES.len())];
    let g1 = GIVEN[rng.gen_range(0..GIVEN.len())];
    if rng.gen_bool(0.6) {
        format!("{s}{g1}{}", GIVEN[rng.gen_range(0..GIVEN.len())])
    } else {
        format!("{s}{g1}")
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub id: String,
    pub parent_id: Option<String>,
    pub level: &'static str,
    pub name: String,
    pub code: String,
    pub path: String,
    pub households: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Department {
    pub id: String,
    pub code: &'static str,
    pub name: &'static str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Account {
    pub id: String,
    pub login: String,
    pub display_name: String,
    pub phone: Option<String>,
    pub role: &'static str,
    /// Index into [`City::nodes`] (none for the platform administrator).
    pub node: Option<usize>,
    pub department_id: Option<String>,
}

/// A community with the indexes of its grids, staff, grid workers and residents.
#[derive(Debug, Clone, PartialEq)]
pub struct Community {
    pub node: usize,
    pub street: usize,
    pub grids: Vec<usize>,
    pub staff: usize,
    /// Grid worker account of each grid, in `grids` order.
    pub grid_workers: Vec<usize>,
    pub residents: Vec<usize>,
}

/// The generated city.
#[derive(Debug, Clone, PartialEq)]
pub struct City {
    pub created_at: DateTime<Utc>,
    pub nodes: Vec<Node>,
    pub streets: Vec<usize>,
    pub communities: Vec<Community>,
    pub departments: Vec<Department>,
    pub accounts: Vec<Account>,
}

impl City {
    /// Plans the city: `communities` communities (rounded up to whole streets of
    /// [`COMMUNITIES_PER_STREET`]), [`GRIDS_PER_COMMUNITY`] grids each, `residents` resident
    /// accounts per community.
    pub fn plan(rng: &mut Rng, created_at: DateTime<Utc>, communities: usize, residents: usize) -> City {
        let mut nodes: Vec<Node> = Vec::new();
        let mut new_node = |rng: &mut Rng, parent: Option<usize>, level: &'static str, name: String, code: String, households: Option<i64>| {
            let id = id_at(rng, created_at);
            let parent_path = parent.map_or("/".to_string(), |p: usize| nodes[p].path.clone());
            nodes.push(Node { path: format!("{parent_path}{id}/"), parent_id: parent.map(|p| nodes[p].id.clone()), id, level, name, code, households });
            nodes.len() - 1
        };
        let district = new_node(rng, None, "district", "海门区".into(), "320684".into(), None);
        let street_count = communities.div_ceil(COMMUNITIES_PER_STREET).max(1);
        let mut streets = Vec::new();
        let mut plans = Vec::new();
        for s in 0..street_count {
            let base = STREET_NAMES[s % STREET_NAMES.len()];
            let name = if s < STREET_NAMES.len() { format!("{base}街道") } else { format!("{base}第{}街道", s / STREET_NAMES.len() + 1) };
            let street_code = format!("320684{:03}", s + 1);
            let street = new_node(rng, Some(district), "street", name, street_code.clone(), None);
            streets.push(street);
            for c in 0..COMMUNITIES_PER_STREET.min(communities - s * COMMUNITIES_PER_STREET) {
                let households = rng.gen_range(1500..4000);
                let code = format!("{street_code}{:03}", c + 1);
                let community = new_node(rng, Some(street), "community", format!("{base}第{}社区", c + 1), code.clone(), Some(households));
                let grids: Vec<usize> = (0..GRIDS_PER_COMMUNITY)
                    .map(|g| new_node(rng, Some(community), "grid", format!("第{}网格", g + 1), format!("{code}-G{:02}", g + 1), Some(households / GRIDS_PER_COMMUNITY as i64)))
                    .collect();
                plans.push((community, street, grids));
            }
        }
        let departments: Vec<Department> = DEPARTMENTS.iter().map(|(name, code)| Department { id: id_at(rng, created_at), code, name }).collect();
        let mut accounts = Vec::new();
        let mut account = |rng: &mut Rng, login: String, display_name: String, role: &'static str, node: Option<usize>, department_id: Option<String>, phone: Option<String>| {
            accounts.push(Account { id: id_at(rng, created_at), login, display_name, phone, role, node, department_id });
            accounts.len() - 1
        };
        account(rng, ADMIN_LOGIN.into(), "平台管理员".into(), "system_admin", None, None, None);
        account(rng, "civil.affairs".into(), "民政局 管理员".into(), "civil_affairs_admin", Some(district), None, None);
        account(rng, "auditor".into(), "第三方评估机构".into(), "auditor", Some(district), None, None);
        for d in &departments {
            account(rng, format!("dept.{}", d.code.to_lowercase()), format!("{} 科员", d.name), "department_staff", Some(district), Some(d.id.clone()), None);
        }
        for (s, &street) in streets.iter().enumerate() {
            let name = format!("{} 主任", nodes[street].name);
            account(rng, format!("street.{:02}", s + 1), name, "street_admin", Some(street), None, None);
        }
        let mut phone = 13_800_000_000u64;
        let mut communities_out = Vec::new();
        for (c, (community, street, grids)) in plans.into_iter().enumerate() {
            let staff = account(rng, format!("staff.{:03}", c + 1), format!("{} 书记", nodes[community].name), "community_staff", Some(community), None, None);
            let grid_workers = grids
                .iter()
                .enumerate()
                .map(|(g, &grid)| {
                    let name = person_name(rng);
                    account(rng, format!("grid.{:03}.{:02}", c + 1, g + 1), format!("{} 网格员 {name}", nodes[grid].name), "grid_worker", Some(grid), None, None)
                })
                .collect();
            let residents = (0..residents)
                .map(|_| {
                    let grid = grids[rng.gen_range(0..grids.len())];
                    let name = person_name(rng);
                    phone += 1;
                    account(rng, phone.to_string(), format!("居民 {name}"), "resident", Some(grid), None, Some(phone.to_string()))
                })
                .collect();
            communities_out.push(Community { node: community, street, grids, staff, grid_workers, residents });
        }
        City { created_at, nodes, streets, communities: communities_out, departments, accounts }
    }

    pub fn department(&self, code: &str) -> &Department {
        self.departments.iter().find(|d| d.code == code).expect("department of the catalogue")
    }

    /// The responsibility list's entries as stored (`EntryBody` JSON of the API).
    pub fn list_entries(&self) -> String {
        let entries: Vec<serde_json::Value> = CATEGORIES
            .iter()
            .map(|(code, name, class, dept, hours)| {
                serde_json::json!({
                    "code": code, "name": name, "class": class,
                    "default_department_id": dept.map(|d| self.department(d).id.clone()),
                    "deadline_hours": hours, "description": null,
                })
            })
            .collect();
        serde_json::Value::Array(entries).to_string()
    }

    /// SQL inserting the city (nodes before their children, departments before accounts); every
    /// account gets `secret_hash`.
    pub fn sql(&self, rng: &mut Rng, secret_hash: &str, per_statement: usize) -> String {
        let at = V::Time(self.created_at.naive_utc());
        let mut jur = Inserts::new("jurisdictions", &["id", "parent_id", "level", "name", "code", "path", "households", "population", "created_at", "updated_at"], per_statement);
        for n in &self.nodes {
            jur.row(&[
                V::text(&n.id),
                V::opt_text(n.parent_id.clone()),
                V::text(n.level),
                V::text(&n.name),
                V::text(&n.code),
                V::text(&n.path),
                V::opt_int(n.households),
                V::opt_int(n.households.map(|h| h * 27 / 10)),
                at.clone(),
                at.clone(),
            ]);
        }
        let district = &self.nodes[0];
        let mut dep = Inserts::new("departments", &["id", "jurisdiction_id", "path", "name", "code", "active", "created_at", "updated_at"], per_statement);
        for d in &self.departments {
            dep.row(&[V::text(&d.id), V::text(&district.id), V::text(&district.path), V::text(d.name), V::text(d.code), V::Bool(true), at.clone(), at.clone()]);
        }
        let mut acc = Inserts::new(
            "accounts",
            &["id", "kind", "login", "display_name", "phone", "secret_hash", "role", "jurisdiction_id", "path", "department_id", "organisation_id", "status", "must_change_password", "created_at", "updated_at", "last_login_at"],
            per_statement,
        );
        for a in &self.accounts {
            let node = a.node.map(|n| &self.nodes[n]);
            acc.row(&[
                V::text(&a.id),
                V::text("person"),
                V::text(&a.login),
                V::text(&a.display_name),
                V::opt_text(a.phone.clone()),
                V::text(secret_hash),
                V::text(a.role),
                V::opt_text(node.map(|n| n.id.clone())),
                V::text(node.map_or("/", |n| n.path.as_str())),
                V::opt_text(a.department_id.clone()),
                V::Null,
                V::text("active"),
                V::Bool(false),
                at.clone(),
                at.clone(),
                V::Null,
            ]);
        }
        let mut lists = Inserts::new("responsibility_lists", &["id", "kind", "jurisdiction_id", "path", "version", "entries", "changes", "note", "created_by", "created_at"], per_statement);
        let entries = self.list_entries();
        let admin = &self.accounts[0].id;
        let added: Vec<&str> = CATEGORIES.iter().map(|c| c.0).collect();
        let changes = serde_json::json!({"added": added, "changed": [], "removed": []}).to_string();
        for (kind, node) in std::iter::once(("catalogue", district)).chain(self.communities.iter().map(|c| ("community", &self.nodes[c.node]))) {
            lists.row(&[
                V::text(id_at(rng, self.created_at)),
                V::text(kind),
                V::text(&node.id),
                V::text(&node.path),
                V::Int(1),
                V::text(&entries),
                V::text(&changes),
                V::text("首次发布"),
                V::text(admin),
                at.clone(),
            ]);
        }
        [jur.take(), dep.take(), acc.take(), lists.take()].concat()
    }

    /// SQL for `per_grid` households in every grid, each assigned to the grid's worker.
    pub fn households_sql(&self, rng: &mut Rng, per_grid: usize, per_statement: usize) -> (String, usize) {
        let at = V::Time(self.created_at.naive_utc());
        let mut ins = Inserts::new(
            "households",
            &["id", "jurisdiction_id", "path", "community_id", "address", "size", "tags", "head_name", "head_phone", "worker_id", "assigned_at", "created_at", "updated_at"],
            per_statement,
        );
        let mut count = 0;
        for c in &self.communities {
            let community = &self.nodes[c.node];
            for (g, &grid) in c.grids.iter().enumerate() {
                let grid = &self.nodes[grid];
                let worker = &self.accounts[c.grid_workers[g]];
                for h in 0..per_grid {
                    let tags: Vec<&str> = HOUSEHOLD_TAGS.iter().copied().filter(|_| rng.gen_bool(0.06)).collect();
                    let phone = rng.gen_bool(0.9).then(|| format!("139{:08}", rng.gen_range(0..100_000_000u32)));
                    ins.row(&[
                        V::text(id_at(rng, self.created_at)),
                        V::text(&grid.id),
                        V::text(&grid.path),
                        V::text(&community.id),
                        V::text(format!("{}{}号楼{}室", community.name, g * 10 + h / 24 + 1, 100 * (h % 6 + 1) + h % 4 + 1)),
                        V::Int(rng.gen_range(1..=6)),
                        V::text(serde_json::to_string(&tags).unwrap_or_else(|_| "[]".into())),
                        V::text(person_name(rng)),
                        V::opt_text(phone),
                        V::text(&worker.id),
                        at.clone(),
                        at.clone(),
                        at.clone(),
                    ]);
                    count += 1;
                }
            }
        }
        (ins.take(), count)
    }
}
