//! The demo hospital's configuration records: a two-core network with four buildings'
//! aggregation and access switches, a data centre of virtualisation hosts, database servers and
//! a storage array, the clinical systems on them, and the ward PCs and printers the demo
//! incidents name — enough for the CI pages, the impact query and the topology drawing to
//! show something real.

use serde_json::{Map, Value};
use yunwei_domain::cmdb::{CiInput, Location, RelationInput};

use super::DEMO_PROJECT;
use crate::actor::Actor;
use crate::{App, AppError};

/// (name, type, vendor, model, building, room, address, attributes `k=v;…`)
type Row =
    (&'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str, &'static str);

const CIS: &[Row] = &[
    ("FW-01", "firewall", "深信服", "AF-1000", "行政楼", "信息中心机房", "10.0.0.1", "firmware=AF8.0.85"),
    ("CORE-SW-01", "core_switch", "华为", "S12700E-8", "行政楼", "信息中心机房", "10.0.0.2", "firmware=V200R021C10"),
    ("CORE-SW-02", "core_switch", "华为", "S12700E-8", "行政楼", "信息中心机房", "10.0.0.3", "firmware=V200R021C10"),
    ("AGG-DC-01", "aggregation_switch", "华为", "CE6881", "行政楼", "信息中心机房", "10.0.1.1", ""),
    ("AGG-MZ-01", "aggregation_switch", "华为", "S6730-H", "门诊楼", "1楼弱电间", "10.0.2.1", ""),
    ("AGG-ZY-01", "aggregation_switch", "华为", "S6730-H", "住院楼", "1楼弱电间", "10.0.3.1", ""),
    ("AGG-YJ-01", "aggregation_switch", "华为", "S6730-H", "医技楼", "1楼弱电间", "10.0.4.1", ""),
    ("ACC-DC-A01", "access_switch", "华为", "CE6857", "行政楼", "信息中心机房", "10.0.1.11", ""),
    ("ACC-DC-A02", "access_switch", "华为", "CE6857", "行政楼", "信息中心机房", "10.0.1.12", ""),
    ("ACC-MZ-1F", "access_switch", "H3C", "S5130S-52P", "门诊楼", "1楼弱电间", "10.0.2.11", ""),
    ("ACC-MZ-2F", "access_switch", "H3C", "S5130S-52P", "门诊楼", "2楼弱电间", "10.0.2.12", ""),
    ("ACC-ZY-5F", "access_switch", "H3C", "S5130S-28P", "住院楼", "5楼弱电间", "10.0.3.15", ""),
    ("ACC-YJ-1F", "access_switch", "H3C", "S5130S-28P", "医技楼", "1楼弱电间", "10.0.4.11", ""),
    ("WLC-01", "wireless_controller", "华为", "AC6805", "行政楼", "信息中心机房", "10.0.1.20", ""),
    ("ESXI-01", "server", "浪潮", "NF5280M6", "行政楼", "信息中心机房", "10.1.0.11", "cpu=2×Xeon 6330; memory_gb=512"),
    ("ESXI-02", "server", "浪潮", "NF5280M6", "行政楼", "信息中心机房", "10.1.0.12", "cpu=2×Xeon 6330; memory_gb=512"),
    ("ESXI-03", "server", "浪潮", "NF5280M6", "行政楼", "信息中心机房", "10.1.0.13", "cpu=2×Xeon 6330; memory_gb=512"),
    ("HIS-DB-SRV-01", "minicomputer", "IBM", "Power S924", "行政楼", "信息中心机房", "10.1.0.21", "os=AIX 7.2"),
    ("PACS-SRV-01", "server", "华为", "2288H V6", "行政楼", "信息中心机房", "10.1.0.31", "os=CentOS 7.9"),
    ("STOR-01", "storage_array", "华为", "OceanStor 5310", "行政楼", "信息中心机房", "10.1.0.41", "capacity_tb=200"),
    ("TAPE-01", "tape_library", "IBM", "TS4300", "行政楼", "信息中心机房", "", ""),
    ("HIS-APP-01", "virtual_machine", "VMware", "vSphere 7", "", "", "10.2.0.11", "os=Windows Server 2019"),
    ("HIS-APP-02", "virtual_machine", "VMware", "vSphere 7", "", "", "10.2.0.12", "os=Windows Server 2019"),
    ("HIS-IF-02", "virtual_machine", "VMware", "vSphere 7", "", "", "10.2.0.13", "os=CentOS 7.9"),
    ("LIS-APP-01", "virtual_machine", "VMware", "vSphere 7", "", "", "10.2.0.21", "os=Windows Server 2016"),
    ("EMR-APP-01", "virtual_machine", "VMware", "vSphere 7", "", "", "10.2.0.31", "os=CentOS 7.9"),
    ("HIS-DB-01", "database", "Oracle", "Oracle 19c RAC", "", "", "", "version=19.18"),
    ("PACS-DB-01", "database", "Oracle", "Oracle 12c", "", "", "", "version=12.2"),
    ("HIS", "his", "东华", "iMedical", "", "", "", ""),
    ("LIS", "lis", "杏和", "LIS 6", "", "", "", ""),
    ("PACS", "pacs", "联影", "uPACS", "", "", "", ""),
    ("EMR", "emr", "嘉和美康", "EMR 5", "", "", "", ""),
    ("PC-MZ-1F-01", "pc_workstation", "联想", "启天 M437", "门诊楼", "1楼挂号收费处", "10.3.1.101", ""),
    ("PC-MZ-1F-02", "pc_workstation", "联想", "启天 M437", "门诊楼", "1楼挂号收费处", "10.3.1.102", ""),
    ("PC-MZ-1F-03", "pc_workstation", "联想", "启天 M437", "门诊楼", "1楼挂号收费处", "10.3.1.103", ""),
    ("PC-MZ-1F-04", "pc_workstation", "联想", "启天 M437", "门诊楼", "1楼药房", "10.3.1.104", ""),
    ("PC-MZ-2F-01", "pc_workstation", "联想", "启天 M437", "门诊楼", "2楼内科诊室", "10.3.2.101", ""),
    ("PC-MZ-2F-02", "pc_workstation", "联想", "启天 M437", "门诊楼", "2楼内科诊室", "10.3.2.102", ""),
    ("PC-MZ-2F-03", "pc_workstation", "联想", "启天 M437", "门诊楼", "2楼外科诊室", "10.3.2.103", ""),
    ("PC-ZY-5F-01", "pc_workstation", "联想", "启天 M437", "住院楼", "5楼护士站", "10.3.5.101", ""),
    ("PC-ZY-5F-02", "pc_workstation", "联想", "启天 M437", "住院楼", "5楼医生办公室", "10.3.5.102", ""),
    ("PRN-ZY-05", "other", "得实", "AR-550II", "住院楼", "5楼护士站", "10.3.5.201", ""),
    ("PC-YJ-1F-01", "pc_workstation", "联想", "启天 M437", "医技楼", "1楼检验科", "10.3.4.101", ""),
    ("PC-YJ-1F-02", "pc_workstation", "联想", "启天 M437", "医技楼", "1楼检验科", "10.3.4.102", ""),
    ("PC-YJ-1F-03", "pc_workstation", "联想", "启天 M437", "医技楼", "1楼放射科", "10.3.4.103", ""),
    ("UPS-01", "ups", "山特", "3C3 Pro 60K", "行政楼", "信息中心机房", "", "battery_replaced=2024-06"),
    ("AC-01", "air_conditioning", "艾默生", "Liebert PEX", "行政楼", "信息中心机房", "", ""),
];

/// (source, kind, target, source port, target port)
const RELATIONS: &[(&str, &str, &str, &str, &str)] = &[
    ("CORE-SW-01", "connects_to", "FW-01", "XGE1/0/1", "GE0/0/1"),
    ("CORE-SW-02", "connects_to", "FW-01", "XGE1/0/1", "GE0/0/2"),
    ("AGG-DC-01", "connects_to", "CORE-SW-01", "XGE0/0/49", "XGE2/0/1"),
    ("AGG-DC-01", "connects_to", "CORE-SW-02", "XGE0/0/50", "XGE2/0/1"),
    ("AGG-MZ-01", "connects_to", "CORE-SW-01", "XGE0/0/1", "XGE2/0/2"),
    ("AGG-MZ-01", "connects_to", "CORE-SW-02", "XGE0/0/2", "XGE2/0/2"),
    ("AGG-ZY-01", "connects_to", "CORE-SW-01", "XGE0/0/1", "XGE2/0/3"),
    ("AGG-ZY-01", "connects_to", "CORE-SW-02", "XGE0/0/2", "XGE2/0/3"),
    ("AGG-YJ-01", "connects_to", "CORE-SW-01", "XGE0/0/1", "XGE2/0/4"),
    ("AGG-YJ-01", "connects_to", "CORE-SW-02", "XGE0/0/2", "XGE2/0/4"),
    ("ACC-DC-A01", "connects_to", "AGG-DC-01", "XGE0/0/49", "XGE0/0/1"),
    ("ACC-DC-A02", "connects_to", "AGG-DC-01", "XGE0/0/49", "XGE0/0/2"),
    ("WLC-01", "connects_to", "AGG-DC-01", "GE0/0/1", "XGE0/0/10"),
    ("ACC-MZ-1F", "connects_to", "AGG-MZ-01", "GE1/0/49", "GE0/0/11"),
    ("ACC-MZ-2F", "connects_to", "AGG-MZ-01", "GE1/0/49", "GE0/0/12"),
    ("ACC-ZY-5F", "connects_to", "AGG-ZY-01", "GE1/0/25", "GE0/0/15"),
    ("ACC-YJ-1F", "connects_to", "AGG-YJ-01", "GE1/0/25", "GE0/0/11"),
    ("ESXI-01", "connects_to", "ACC-DC-A01", "vmnic0", "XGE0/0/1"),
    ("ESXI-02", "connects_to", "ACC-DC-A01", "vmnic0", "XGE0/0/2"),
    ("ESXI-03", "connects_to", "ACC-DC-A01", "vmnic0", "XGE0/0/3"),
    ("HIS-DB-SRV-01", "connects_to", "ACC-DC-A02", "en0", "XGE0/0/1"),
    ("PACS-SRV-01", "connects_to", "ACC-DC-A02", "eth0", "XGE0/0/2"),
    ("STOR-01", "connects_to", "ACC-DC-A02", "MGMT", "XGE0/0/20"),
    ("HIS-DB-SRV-01", "depends_on", "STOR-01", "", ""),
    ("PACS-SRV-01", "depends_on", "STOR-01", "", ""),
    ("TAPE-01", "backs_up", "STOR-01", "", ""),
    ("HIS-APP-01", "runs_on", "ESXI-01", "", ""),
    ("HIS-APP-02", "runs_on", "ESXI-02", "", ""),
    ("HIS-IF-02", "runs_on", "ESXI-02", "", ""),
    ("LIS-APP-01", "runs_on", "ESXI-03", "", ""),
    ("EMR-APP-01", "runs_on", "ESXI-03", "", ""),
    ("HIS-DB-01", "runs_on", "HIS-DB-SRV-01", "", ""),
    ("PACS-DB-01", "runs_on", "PACS-SRV-01", "", ""),
    ("HIS", "runs_on", "HIS-APP-01", "", ""),
    ("HIS", "depends_on", "HIS-DB-01", "", ""),
    ("LIS", "runs_on", "LIS-APP-01", "", ""),
    ("PACS", "runs_on", "PACS-SRV-01", "", ""),
    ("PACS", "depends_on", "PACS-DB-01", "", ""),
    ("EMR", "runs_on", "EMR-APP-01", "", ""),
    ("EMR", "depends_on", "HIS-DB-01", "", ""),
    ("PC-MZ-1F-01", "connects_to", "ACC-MZ-1F", "", "GE1/0/1"),
    ("PC-MZ-1F-02", "connects_to", "ACC-MZ-1F", "", "GE1/0/2"),
    ("PC-MZ-1F-03", "connects_to", "ACC-MZ-1F", "", "GE1/0/3"),
    ("PC-MZ-1F-04", "connects_to", "ACC-MZ-1F", "", "GE1/0/4"),
    ("PC-MZ-2F-01", "connects_to", "ACC-MZ-2F", "", "GE1/0/1"),
    ("PC-MZ-2F-02", "connects_to", "ACC-MZ-2F", "", "GE1/0/2"),
    ("PC-MZ-2F-03", "connects_to", "ACC-MZ-2F", "", "GE1/0/3"),
    ("PC-ZY-5F-01", "connects_to", "ACC-ZY-5F", "", "GE1/0/1"),
    ("PC-ZY-5F-02", "connects_to", "ACC-ZY-5F", "", "GE1/0/2"),
    ("PRN-ZY-05", "connects_to", "ACC-ZY-5F", "", "GE1/0/5"),
    ("PC-YJ-1F-01", "connects_to", "ACC-YJ-1F", "", "GE1/0/1"),
    ("PC-YJ-1F-02", "connects_to", "ACC-YJ-1F", "", "GE1/0/2"),
    ("PC-YJ-1F-03", "connects_to", "ACC-YJ-1F", "", "GE1/0/3"),
];

fn some(s: &str) -> Option<String> {
    Some(s.to_owned()).filter(|s| !s.is_empty())
}

/// Records the demo hospital's CIs and relations as `by` (an engineer of the project).
pub(crate) async fn demo_cmdb(app: &App, by: &Actor) -> Result<(), AppError> {
    let mut ids = std::collections::HashMap::new();
    for &(name, kind, vendor, model, building, room, ip, attrs) in CIS {
        let attributes: Map<String, Value> = attrs
            .split(';')
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), Value::String(v.trim().to_owned())))
            .collect();
        let input = CiInput {
            name: name.to_owned(),
            type_code: kind.to_owned(),
            vendor: some(vendor),
            model: some(model),
            location: Location { building: some(building), room: some(room), rack: None, u: None },
            ips: some(ip).into_iter().collect(),
            attributes,
            ..CiInput::default()
        };
        let v = crate::cmdb::create(app, by, DEMO_PROJECT, &input, None).await?;
        ids.insert(name, v.row.id);
    }
    for &(source, kind, target, local, remote) in RELATIONS {
        let (Some(&s), Some(&t)) = (ids.get(source), ids.get(target)) else {
            return Err(AppError::Internal(format!("demo relation {source} → {target} names an unknown CI")));
        };
        let input =
            RelationInput { kind: kind.to_owned(), target: t, local_port: some(local), remote_port: some(remote) };
        crate::cmdb::add_relation(app, by, yunwei_domain::id::CiId::new(s), &input).await?;
    }
    Ok(())
}
