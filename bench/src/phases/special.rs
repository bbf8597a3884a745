//! The special phases: the login storm (unpinned, logins flat out with paced probes), memory
//! (RSS idle and with many sessions) and scale (the token phases on a seeded 1M/100k/1M data set).

use std::time::Duration;

use anyhow::Context;

use super::{Bench, PROBE_CONNECTIONS, PROBE_RATE, config, now};
use crate::load::{self, Group, Placement};
use crate::report::{MemoryRecord, PhaseRecord, Report, ScaleRecord, StormRecord};
use crate::seed;

impl Bench<'_> {
    fn probes(&self) -> Vec<Group> {
        let mut token = self.fixed("token_probe", PROBE_CONNECTIONS, self.client_credentials());
        token.pace_per_conn = Some(PROBE_RATE);
        let mut jwks = self.fixed("jwks_probe", PROBE_CONNECTIONS, self.get("/jwks"));
        jwks.pace_per_conn = Some(PROBE_RATE);
        vec![token, jwks]
    }

    pub(super) fn storm(&mut self) -> anyhow::Result<StormRecord> {
        eprintln!("== login storm: server and load on all cores");
        let server = self.start(None, &[])?;
        let (warmup, measure) = (self.args.warmup(), self.args.measure());
        let alone = load::run(
            self.addr,
            self.probes(),
            warmup,
            measure,
            Placement::AllCores,
        )?;
        let mut groups = vec![self.login_group("login_storm", self.args.connections)];
        groups.extend(self.probes());
        let stormy = load::run(self.addr, groups, warmup, measure, Placement::AllCores)?;
        server.stop()?;
        let record = StormRecord::new(alone, stormy, self.limits.as_ref());
        eprintln!(
            "   token p99 alone {:.2} ms, under the storm {:.2} ms; logins {:.1}/s",
            record.token_alone.p99_ms, record.token_storm.p99_ms, record.logins.per_sec
        );
        Ok(record)
    }

    pub(super) fn memory(&mut self) -> anyhow::Result<MemoryRecord> {
        let sessions = self.args.sessions();
        eprintln!("== memory: idle, then {sessions} browser sessions");
        let server = self.start(self.server_core(), &[])?;
        std::thread::sleep(Duration::from_secs(1));
        let idle = server.rss_bytes()?;
        let mut group = self.fixed("sessions", self.args.connections, self.get("/login"));
        group.max_iterations = Some(sessions as i64);
        let result = load::run(
            self.addr,
            vec![group],
            Duration::ZERO,
            Duration::from_secs(300),
            self.pinned_load(),
        )?
        .pop()
        .context("no result")?;
        std::thread::sleep(Duration::from_millis(500));
        let after = server.rss_bytes()?;
        server.stop()?;
        Ok(MemoryRecord::new(idle, after, result))
    }

    pub(super) fn scale(&mut self, empty: &[PhaseRecord]) -> anyhow::Result<ScaleRecord> {
        let counts = self.args.scale_counts();
        eprintln!(
            "== scale: seeding {} users, {} clients, {} refresh tokens (store bulk inserts)",
            counts.users, counts.clients, counts.refresh_tokens
        );
        let cfg = config(self.args, &self.data_dir);
        let seeded = self.runtime.block_on(seed::scale(&cfg, &counts, now()))?;
        eprintln!("   seeded in {:.1} s", seeded.seconds);
        let pool_size = self.args.connections * (self.args.repeat * 2 + 2) + 16;
        let extra = self.runtime.block_on(seed::refresh_tokens_for(
            &cfg,
            &self.seeded.web.id,
            &self.seeded.first_user_id,
            pool_size,
            now(),
        ))?;
        self.refresh_pool.extend(extra);
        let server = self.start(self.server_core(), &[])?;
        let mut scaled = Report::scratch();
        self.token_phases(&server, &mut scaled, "_scale")?;
        server.stop()?;
        Ok(ScaleRecord::new(seeded, scaled.phases, empty))
    }
}
