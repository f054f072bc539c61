//! The demo city (演示城市): a small, realistic district to try every endpoint at once. Loaded
//! only on request (`gongzhi serve --demo` or `gongzhi demo`); without it no default passwords
//! exist. The black-box tests use the same city as their fixture.

use crate::auth::password;
use chrono::{DateTime, Utc};
use gongzhi_domain::jurisdiction::{JurisdictionPath, Level};
use gongzhi_domain::role::Role;
use gongzhi_persistence::accounts::{self, AccountRow, KIND_PERSON, STATUS_ACTIVE};
use gongzhi_persistence::departments::{self, DepartmentRow};
use gongzhi_persistence::jurisdictions::{self, JurisdictionRow};
use gongzhi_persistence::{new_id, to_db, tokens, Db, DbConnection, StoreResult};
use std::collections::HashMap;

/// Code of the demo district; its presence means the demo is loaded.
pub const DEMO_DISTRICT_CODE: &str = "320684-DEMO";

/// What the demo city contains, by name, for tests and for the printed summary.
#[derive(Debug, Clone, Default)]
pub struct DemoCity {
    pub district: String,
    /// Street name → id.
    pub streets: HashMap<String, String>,
    /// Community name → id.
    pub communities: HashMap<String, String>,
    /// "community/grid" name → id.
    pub grids: HashMap<String, String>,
    /// Department code → id.
    pub departments: HashMap<String, String>,
    /// (login, role, password) of every demo account.
    pub accounts: Vec<(String, Role, String)>,
}

impl DemoCity {
    pub fn password_of(&self, login: &str) -> &str {
        &self.accounts.iter().find(|a| a.0 == login).expect("demo login").2
    }
}

/// (street name, code, [(community name, households)]).
type StreetSpec = (&'static str, &'static str, [(&'static str, i32); 2]);

const STREETS: [StreetSpec; 2] = [
    ("三厂街道", "320684001", [("东洲社区", 2860), ("江滨社区", 2410)]),
    ("海门街道", "320684002", [("秀山社区", 2975), ("谢家社区", 1830)]),
];

const DEPARTMENTS: [(&str, &str); 5] = [
    ("民政局", "MZJ"),
    ("住房和城乡建设局", "ZJJ"),
    ("城市管理局", "CGJ"),
    ("卫生健康委员会", "WJW"),
    ("公安分局", "GAJ"),
];

/// (login, display name, role, scope) where scope names a node or department of the city.
const ACCOUNTS: [(&str, &str, Role, &str); 11] = [
    ("admin", "平台管理员", Role::SystemAdmin, "platform"),
    ("civil.affairs", "民政局 王科长", Role::CivilAffairsAdmin, "district"),
    ("street.sanchang", "三厂街道 陈主任", Role::StreetAdmin, "三厂街道"),
    ("street.haimen", "海门街道 周主任", Role::StreetAdmin, "海门街道"),
    ("staff.dongzhou", "东洲社区 李书记", Role::CommunityStaff, "东洲社区"),
    ("staff.xiushan", "秀山社区 赵主任", Role::CommunityStaff, "秀山社区"),
    ("grid.dongzhou1", "东洲社区 第一网格 张网格员", Role::GridWorker, "东洲社区/第一网格"),
    ("dept.cgj", "城市管理局 刘科员", Role::DepartmentStaff, "dept:CGJ"),
    ("dept.zjj", "住建局 孙科员", Role::DepartmentStaff, "dept:ZJJ"),
    ("org.dongzhou", "东洲社区 邻里互助社", Role::OrgStaff, "东洲社区"),
    ("auditor", "第三方评估机构 吴评估师", Role::Auditor, "district"),
];

/// Demo residents: (phone, name, community/grid).
const RESIDENTS: [(&str, &str, &str); 3] = [
    ("13800138000", "居民 钱女士", "东洲社区/第一网格"),
    ("13800138001", "居民 孙先生", "东洲社区/第二网格"),
    ("13900139000", "居民 何阿姨", "秀山社区/第一网格"),
];

/// True when the demo district exists.
pub fn is_loaded(conn: &mut DbConnection) -> StoreResult<bool> {
    let districts = jurisdictions::list(
        conn,
        &JurisdictionPath::root(),
        &jurisdictions::Filter { level: Some(Level::District.as_str().into()), ..Default::default() },
        None,
        1000,
    )?;
    Ok(districts.iter().any(|d| d.code.as_deref() == Some(DEMO_DISTRICT_CODE)))
}

/// Loads the demo city, or when it is already there, resets the demo accounts' passwords.
/// `password_for(login)` chooses each account's password.
pub fn load(db: &Db, now: DateTime<Utc>, password_for: impl Fn(&str) -> String) -> StoreResult<DemoCity> {
    // Hash outside the transaction (argon2 is deliberately slow), one hash per distinct password.
    let mut hashes: HashMap<String, String> = HashMap::new();
    let mut creds = Vec::new();
    let logins = ACCOUNTS.iter().map(|a| (a.0, a.2)).chain(RESIDENTS.iter().map(|r| (r.0, Role::Resident)));
    for (login, role) in logins {
        let pw = password_for(login);
        hashes.entry(pw.clone()).or_insert_with(|| password::hash(&pw));
        creds.push((login.to_string(), role, pw));
    }
    db.write(|c| {
        if is_loaded(c)? {
            reset_passwords(c, now, &creds, &hashes)?;
            return city_index(c, creds.clone());
        }
        create(c, now, &creds, &hashes)
    })
}

fn node(c: &mut DbConnection, now: DateTime<Utc>, parent: Option<&JurisdictionRow>, level: Level, name: &str, code: Option<&str>, households: Option<i32>) -> StoreResult<JurisdictionRow> {
    let id = new_id();
    let parent_path = parent.map(|p| p.path()).unwrap_or_else(JurisdictionPath::root);
    let row = JurisdictionRow {
        path: parent_path.child(&id).as_str().to_string(),
        id,
        parent_id: parent.map(|p| p.id.clone()),
        level: level.as_str().into(),
        name: name.into(),
        code: code.map(str::to_string),
        households,
        population: households.map(|h| h * 27 / 10),
        created_at: to_db(now),
        updated_at: to_db(now),
    };
    jurisdictions::insert(c, &row)?;
    Ok(row)
}

fn create(c: &mut DbConnection, now: DateTime<Utc>, creds: &[(String, Role, String)], hashes: &HashMap<String, String>) -> StoreResult<DemoCity> {
    let district = node(c, now, None, Level::District, "海门区", Some(DEMO_DISTRICT_CODE), None)?;
    let mut nodes: HashMap<String, JurisdictionRow> = HashMap::new();
    for (street_name, street_code, communities) in STREETS {
        let street = node(c, now, Some(&district), Level::Street, street_name, Some(street_code), None)?;
        for (i, (community_name, households)) in communities.into_iter().enumerate() {
            let code = format!("{street_code}{:03}", i + 1);
            let community = node(c, now, Some(&street), Level::Community, community_name, Some(&code), Some(households))?;
            for (g, grid_name) in ["第一网格", "第二网格"].into_iter().enumerate() {
                let grid = node(c, now, Some(&community), Level::Grid, grid_name, Some(&format!("{code}-G{}", g + 1)), Some(households / 2))?;
                nodes.insert(format!("{community_name}/{grid_name}"), grid);
            }
            nodes.insert(community_name.into(), community);
        }
        nodes.insert(street_name.into(), street);
    }
    let mut depts: HashMap<String, DepartmentRow> = HashMap::new();
    for (name, code) in DEPARTMENTS {
        let row = DepartmentRow {
            id: new_id(),
            jurisdiction_id: district.id.clone(),
            path: district.path.clone(),
            name: name.into(),
            code: code.into(),
            active: true,
            created_at: to_db(now),
            updated_at: to_db(now),
        };
        departments::insert(c, &row)?;
        depts.insert(code.into(), row);
    }
    let scopes = ACCOUNTS.iter().map(|a| (a.0, a.1, a.3)).chain(RESIDENTS.iter().map(|r| (r.0, r.1, r.2)));
    for ((login, display_name, scope), (_, role, pw)) in scopes.zip(creds) {
        let (jurisdiction, department) = match scope {
            "platform" => (None, None),
            "district" => (Some(&district), None),
            s if s.starts_with("dept:") => {
                let d = &depts[&s[5..]];
                (Some(&district), Some(d.id.clone()))
            }
            s => (Some(&nodes[s]), None),
        };
        let base = AccountRow::new(KIND_PERSON, login.into(), display_name.into(), hashes[pw].clone(), *role, to_db(now));
        accounts::insert(
            c,
            &AccountRow {
                phone: (*role == Role::Resident).then(|| login.to_string()),
                jurisdiction_id: jurisdiction.map(|j| j.id.clone()),
                path: jurisdiction.map(|j| j.path.clone()).unwrap_or(base.path.clone()),
                department_id: department,
                ..base
            },
        )?;
    }
    city_index(c, creds.to_vec())
}

fn reset_passwords(c: &mut DbConnection, now: DateTime<Utc>, creds: &[(String, Role, String)], hashes: &HashMap<String, String>) -> StoreResult<()> {
    for (login, _, pw) in creds {
        if let Some(mut row) = accounts::find_by_login(c, login)? {
            row.secret_hash = hashes[pw].clone();
            row.must_change_password = false;
            row.status = STATUS_ACTIVE.into();
            row.updated_at = to_db(now);
            accounts::update(c, &row)?;
            tokens::revoke_account(c, &row.id, to_db(now), "demo_reset")?;
        }
    }
    Ok(())
}

/// Reads the demo city's ids back by name.
fn city_index(c: &mut DbConnection, accounts: Vec<(String, Role, String)>) -> StoreResult<DemoCity> {
    let all = jurisdictions::all(c)?;
    let district = all.iter().find(|j| j.code.as_deref() == Some(DEMO_DISTRICT_CODE)).expect("demo district");
    let within = district.path();
    let mut city = DemoCity { district: district.id.clone(), accounts, ..Default::default() };
    let names: HashMap<&str, &str> = all.iter().map(|j| (j.id.as_str(), j.name.as_str())).collect();
    for j in all.iter().filter(|j| within.contains(&j.path)) {
        match j.level() {
            Level::Street => drop(city.streets.insert(j.name.clone(), j.id.clone())),
            Level::Community => drop(city.communities.insert(j.name.clone(), j.id.clone())),
            Level::Grid => {
                let parent = j.parent_id.as_deref().and_then(|p| names.get(p)).copied().unwrap_or("");
                city.grids.insert(format!("{parent}/{}", j.name), j.id.clone());
            }
            _ => {}
        }
    }
    for d in departments::list_visible(c, &within, None, 1000)? {
        city.departments.insert(d.code, d.id);
    }
    Ok(city)
}
