/*
 * The "Home Lab" dashboard strategy (custom:homelab).
 *
 * Home Assistant loads this module in every frontend (the integration registers it). It builds
 * the dashboard from what the Home Lab integration has registered, found through the entity
 * registry's platform and translation keys, so pools, apps, backup tasks and services that
 * appear later show up without editing anything. It uses only cards that ship with Home
 * Assistant: heading, tile, entities, glance, gauge, markdown, entity-filter and history-graph.
 * "Take control" in the dashboard's menu turns it into an ordinary editable dashboard.
 *
 * Plain JavaScript on purpose: no build step, nothing to install.
 */

const DOMAIN = "homelab";
const DOCS_URL = "https://github.com/homelab-team/homelab#dashboard";

/* ---------------------------------------------------------------- registry helpers */

class Lab {
  constructor(hass) {
    this.hass = hass;
    this.entities = Object.values(hass.entities || {}).filter(
      (entity) => entity.platform === DOMAIN && !entity.hidden,
    );
  }

  /** Entity registry entries with one of the translation keys, sorted by device and name. */
  all(...keys) {
    return this.entities
      .filter((entity) => keys.includes(entity.translation_key))
      .sort(
        (a, b) =>
          this.deviceName(a.device_id).localeCompare(this.deviceName(b.device_id)) ||
          a.entity_id.localeCompare(b.entity_id),
      );
  }

  ids(...keys) {
    return this.all(...keys).map((entity) => entity.entity_id);
  }

  /** The entity of a device with that translation key (undefined when it has none). */
  of(deviceId, key) {
    const found = this.entities.find(
      (entity) => entity.device_id === deviceId && entity.translation_key === key,
    );
    return found ? found.entity_id : undefined;
  }

  /** Devices having an entity with the key, in name order. */
  devices(key) {
    return this.all(key)
      .map((entity) => entity.device_id)
      .filter((id, index, list) => id && list.indexOf(id) === index);
  }

  device(deviceId) {
    return (this.hass.devices || {})[deviceId] || {};
  }

  deviceName(deviceId) {
    const device = this.device(deviceId);
    return device.name_by_user || device.name || "";
  }

  /** The entity's own name, without its device's name in front. */
  shortName(entityId) {
    const entry = (this.hass.entities || {})[entityId] || {};
    if (entry.name) {
      return entry.name;
    }
    const state = this.hass.states[entityId];
    const friendly = (state && state.attributes.friendly_name) || entityId;
    const prefix = `${this.deviceName(entry.device_id)} `;
    return friendly.startsWith(prefix) ? friendly.slice(prefix.length) : friendly;
  }
}

/* ---------------------------------------------------------------- card helpers */

const heading = (text, icon, badges = []) => ({
  type: "heading",
  heading: text,
  heading_style: "title",
  ...(icon ? { icon } : {}),
  ...(badges.length ? { badges } : {}),
});

const subheading = (text, icon) => ({
  type: "heading",
  heading: text,
  heading_style: "subtitle",
  ...(icon ? { icon } : {}),
});

const tile = (entity, name, extra = {}) => ({
  type: "tile",
  entity,
  ...(name ? { name } : {}),
  ...extra,
});

const FULL_WIDTH = { grid_options: { columns: 12 } };

const row = (entity, name) => (entity ? { entity, ...(name ? { name } : {}) } : undefined);

const entitiesCard = (title, rows, extra = {}) => {
  const present = rows.filter(Boolean);
  return present.length
    ? { type: "entities", ...(title ? { title } : {}), state_color: true, entities: present, ...extra }
    : undefined;
};

const markdown = (content, extra = {}) => ({ type: "markdown", content, ...extra });

const section = (...cards) => {
  const present = cards.flat().filter(Boolean);
  return { type: "grid", cards: present };
};

/** A Jinja list literal of entity ids, for markdown templates. */
const jinjaList = (ids) => `[${ids.map((id) => `'${id}'`).join(", ")}]`;

const countOn = (ids) => `{{ ${jinjaList(ids)} | select('is_state', 'on') | list | count }}`;

/** Sections that hold more than their heading. */
const keep = (sections) => sections.filter((s) => s.cards.some((card) => card.type !== "heading"));

const emptyView = (text) => [section(markdown(text))];

/* ---------------------------------------------------------------- views */

function overview(lab) {
  const sections = [];

  // The TrueNAS system and its pools.
  const pools = lab.devices("pool_status");
  sections.push(
    section(
      heading("Storage", "mdi:nas"),
      lab.ids("connected").map((id) => tile(id, `TrueNAS ${lab.deviceName(lab.hass.entities[id].device_id)}`)),
      lab.ids("critical_alerts", "active_alerts").map((id) => tile(id, lab.shortName(id))),
      pools.map((pool) =>
        tile(lab.of(pool, "pool_status"), `Pool ${lab.deviceName(pool)}`, {
          icon: "mdi:database",
        }),
      ),
      pools.map((pool) =>
        lab.of(pool, "used_percent")
          ? {
              type: "gauge",
              entity: lab.of(pool, "used_percent"),
              name: `${lab.deviceName(pool)} used`,
              min: 0,
              max: 100,
              severity: { green: 0, yellow: 75, red: 90 },
            }
          : undefined,
      ),
    ),
  );

  // Apps and HTTP services: how many are up, the ones that are down, and all of them.
  const running = lab.ids("app_running");
  const reachable = lab.ids("probe_reachable");
  const lines = [];
  if (running.length) {
    lines.push(`**${countOn(running)} of ${running.length}** apps running`);
  }
  if (reachable.length) {
    lines.push(`**${countOn(reachable)} of ${reachable.length}** services reachable`);
  }
  const up = [...running, ...reachable];
  sections.push(
    section(
      heading("Services", "mdi:server-network"),
      lines.length ? markdown(lines.join("  \n"), { text_only: true }) : undefined,
      up.length
        ? {
            type: "entity-filter",
            entities: up.map((id) => ({ entity: id, name: lab.deviceName(lab.hass.entities[id].device_id) })),
            conditions: [{ condition: "state", state_not: "on" }],
            card: { type: "glance", title: "Down", state_color: true },
            show_empty: false,
          }
        : undefined,
      up.length
        ? {
            type: "glance",
            state_color: true,
            show_state: false,
            columns: 4,
            entities: up.map((id) => ({
              entity: id,
              name: lab.deviceName(lab.hass.entities[id].device_id),
            })),
          }
        : undefined,
    ),
  );

  // The document pipeline and the model server behind it.
  sections.push(
    section(
      heading("Pipeline", "mdi:file-document-multiple"),
      lab.ids("pipeline_depth").map((id) => tile(id, "Depth")),
      lab.ids("paperless_stuck").map((id) => tile(id, "Stuck")),
      lab.ids("tasks_queued").map((id) => tile(id, "Queued")),
      lab.ids("ai_backlog").map((id) => tile(id, "AI backlog")),
      lab.ids("executions_running").map((id) => tile(id, "n8n running")),
    ),
  );
  sections.push(
    section(
      heading("Ollama", "mdi:brain"),
      lab.ids("ollama_busy").map((id) => tile(id, "Busy")),
      lab.ids("loaded_models").map((id) => tile(id, "Loaded models")),
      lab.ids("vram_used").map((id) => tile(id, "VRAM used")),
      lab.ids("gpu_share").map((id) =>
        ({ type: "gauge", entity: id, name: "Share on GPU", min: 0, max: 100 }),
      ),
    ),
  );

  // Backups: stale or fine.
  const tasks = lab.ids("backup_stale");
  const datasets = lab.ids("snapshot_stale");
  const stale = [...tasks, ...datasets];
  const backupLines = [];
  if (tasks.length) {
    backupLines.push(`**${countOn(tasks)} of ${tasks.length}** backup tasks stale`);
  }
  if (datasets.length) {
    backupLines.push(`**${countOn(datasets)} of ${datasets.length}** datasets without a recent snapshot`);
  }
  sections.push(
    section(
      heading("Backups", "mdi:backup-restore"),
      backupLines.length ? markdown(backupLines.join("  \n"), { text_only: true }) : undefined,
      tasks.map((id) =>
        tile(id, lab.deviceName(lab.hass.entities[id].device_id), FULL_WIDTH),
      ),
      datasets.length
        ? {
            type: "entity-filter",
            entities: datasets.map((id) => ({
              entity: id,
              name: lab.deviceName(lab.hass.entities[id].device_id),
            })),
            conditions: [{ condition: "state", state: "on" }],
            card: { type: "entities", title: "Stale datasets", state_color: true },
            show_empty: false,
          }
        : undefined,
    ),
  );
  const present = keep(sections);
  return present.length
    ? present
    : emptyView(
        "Nothing from **Home Lab** yet. Add your TrueNAS server under " +
          "**Settings → Devices & services → Add integration → Home Lab**.",
      );
}

function system(lab) {
  const sections = lab.devices("version").map((nas) => {
    const e = (key) => lab.of(nas, key);
    const maybeTile = (key, name) => (e(key) ? tile(e(key), name) : undefined);
    const interfaces = lab
      .all("interface_rx", "interface_tx")
      .filter((entity) => entity.device_id === nas)
      .map((entity) => entity.entity_id);
    return [
      section(
        heading(`TrueNAS ${lab.deviceName(nas)}`, "mdi:nas"),
        maybeTile("cpu_usage", "CPU usage"),
        maybeTile("cpu_temperature", "CPU temperature"),
        maybeTile("memory_used", "Memory used"),
        maybeTile("arc_hit_ratio", "ARC hit ratio"),
        entitiesCard("System", [
          row(e("version"), "Version"),
          row(e("boot_time"), "Up since"),
          row(e("load_1m"), "Load (1 min)"),
          row(e("load_5m"), "Load (5 min)"),
          row(e("load_15m"), "Load (15 min)"),
          row(e("memory_free"), "Memory free"),
          row(e("arc_size"), "ARC size"),
        ]),
        maybeTile("system_update", "TrueNAS update"),
        entitiesCard("Certificates", [
          row(e("ui_certificate_days"), "Web UI certificate"),
          ...lab
            .all("certificate_days")
            .filter((entity) => entity.device_id === nas)
            .map((entity) => row(entity.entity_id, lab.shortName(entity.entity_id))),
        ]),
        entitiesCard("Power", [row(e("nas_reboot"), "Reboot"), row(e("nas_shutdown"), "Shut down")]),
      ),
      interfaces.length
        ? section(
            heading("Network", "mdi:lan"),
            { type: "history-graph", title: "Traffic", hours_to_show: 24, entities: interfaces },
          )
        : undefined,
    ].filter(Boolean);
  });
  const present = keep(sections.flat());
  return present.length
    ? present
    : emptyView("No TrueNAS system yet: add your TrueNAS server to Home Lab.");
}

/** The disks of a pool device (or, without a pool, of none), as entity rows. */
function diskRows(lab, parent) {
  return lab
    .devices("disk_state")
    .filter((disk) => (lab.device(disk).via_device_id || null) === parent)
    .flatMap((disk) => {
      const e = (key) => lab.of(disk, key);
      const temperature = e("disk_temperature") || e("disk_temperature_max");
      return [row(e("disk_state"), lab.deviceName(disk)), row(temperature, `${lab.deviceName(disk)} temperature`)];
    });
}

function storage(lab) {
  const sections = lab.devices("pool_status").map((pool) => {
    const e = (key) => lab.of(pool, key);
    return section(
      heading(`Pool ${lab.deviceName(pool)}`, "mdi:database"),
      tile(e("pool_status"), "Status"),
      e("pool_problem") ? tile(e("pool_problem"), "Problem") : undefined,
      e("used_percent")
        ? {
            type: "gauge",
            entity: e("used_percent"),
            name: "Used",
            min: 0,
            max: 100,
            severity: { green: 0, yellow: 75, red: 90 },
          }
        : undefined,
      entitiesCard("Space", [
        row(e("allocated"), "Allocated"),
        row(e("free"), "Free"),
        row(e("fragmentation"), "Fragmentation"),
      ]),
      entitiesCard("Scrub", [
        row(e("scan_state"), "State"),
        row(e("scan_progress"), "Progress"),
        row(e("last_scrub"), "Last scrub"),
      ]),
      entitiesCard("Errors", [
        row(e("read_errors"), "Read"),
        row(e("write_errors"), "Write"),
        row(e("checksum_errors"), "Checksum"),
        row(e("scrub_errors"), "Scrub"),
        row(e("disks_not_online"), "Disks not online"),
      ]),
      entitiesCard("Disks", diskRows(lab, pool)),
      e("used_percent")
        ? { type: "history-graph", title: "Used", hours_to_show: 168, entities: [e("used_percent")] }
        : undefined,
    );
  });
  const system = lab.devices("version").filter((id) => lab.of(id, "connected"));
  system.forEach((device) => {
    const e = (key) => lab.of(device, key);
    sections.push(
      section(
        heading(`TrueNAS ${lab.deviceName(device)}`, "mdi:nas"),
        entitiesCard(undefined, [
          row(e("connected"), "Connection"),
          row(e("version"), "Version"),
          row(e("boot_time"), "Boot time"),
          row(e("active_alerts"), "Active alerts"),
          row(e("critical_alerts"), "Critical alerts"),
        ]),
      ),
    );
  });
  const datasets = lab.devices("snapshot_stale");
  if (datasets.length) {
    const { parent, short } = datasetNames(lab, datasets);
    sections.push(
      section(
        heading(parent ? `Datasets in ${parent}` : "Datasets", "mdi:folder-multiple"),
        entitiesCard(
          "Newest snapshot",
          datasets.map((dataset, i) => row(lab.of(dataset, "newest_snapshot"), short[i])),
        ),
      ),
    );
  }
  const present = keep(sections);
  return present.length ? present : emptyView("No pools yet: add your TrueNAS server to Home Lab.");
}

function services(lab) {
  const sections = [];
  // One section per app (sections flow into columns), then one per HTTP service probe.
  lab.devices("app_state").forEach((app) => {
    const e = (key) => lab.of(app, key);
    sections.push(
      section(
        heading(lab.deviceName(app), "mdi:application-cog"),
        entitiesCard(undefined, [
          row(e("app_state"), "State"),
          row(e("app_run"), "Run"),
          row(e("app_restart"), "Restart"),
          row(e("app_update"), "Version"),
          row(e("app_cpu"), "CPU"),
          row(e("app_memory"), "Memory"),
          row(e("app_containers_running"), "Containers running"),
        ]),
      ),
    );
  });
  // The NAS's virtual machines and containers, then its sharing services (SMB, NFS, SSH, ...).
  lab.devices("vm_state").forEach((vm) => {
    const e = (key) => lab.of(vm, key);
    sections.push(
      section(
        heading(lab.deviceName(vm), "mdi:monitor"),
        entitiesCard(undefined, [
          row(e("vm_state"), "State"),
          row(e("vm_run"), "Run"),
          row(e("vm_restart"), "Restart"),
          row(e("vm_vcpus"), "Virtual CPUs"),
          row(e("vm_memory"), "Memory"),
        ]),
      ),
    );
  });
  const sharing = lab.devices("service_running");
  if (sharing.length) {
    sections.push(
      section(
        heading("Sharing services", "mdi:folder-network"),
        entitiesCard(
          undefined,
          sharing.map((service) =>
            row(lab.of(service, "service_run") || lab.of(service, "service_running"), lab.deviceName(service)),
          ),
        ),
      ),
    );
  }
  lab.devices("probe_reachable").forEach((probe) => {
    const e = (key) => lab.of(probe, key);
    sections.push(
      section(
        heading(lab.deviceName(probe), "mdi:web-check"),
        entitiesCard(undefined, [
          row(e("probe_reachable"), "Reachable"),
          row(e("probe_response_time"), "Response time"),
          row(e("probe_http_status"), "HTTP status"),
          row(e("probe_cert_expiry"), "Certificate expiry"),
        ]),
      ),
    );
  });
  return sections.length
    ? sections
    : emptyView("No apps yet: Home Lab shows the apps of your TrueNAS server here.");
}

function pipeline(lab) {
  const sections = [];
  const depth = lab.ids("pipeline_depth");
  const queued = lab.ids("tasks_queued");
  const backlog = lab.ids("ai_backlog");
  if (depth.length || queued.length || backlog.length) {
    sections.push(
      section(
        heading("Pipeline", "mdi:pipe"),
        depth.map((id) => tile(id, "Depth")),
        {
          type: "history-graph",
          title: "Waiting documents",
          hours_to_show: 24,
          entities: [...depth, ...queued, ...backlog].map((id) => ({
            entity: id,
            name: `${lab.deviceName(lab.hass.entities[id].device_id)} ${lab.shortName(id)}`,
          })),
        },
      ),
    );
  }
  lab.devices("tasks_queued").forEach((device) => {
    const e = (key) => lab.of(device, key);
    sections.push(
      section(
        heading(lab.deviceName(device), "mdi:file-document"),
        e("paperless_stuck") ? tile(e("paperless_stuck"), "Stuck") : undefined,
        entitiesCard("Tasks", [
          row(e("tasks_queued"), "Queued"),
          row(e("tasks_processing"), "Processing"),
          row(e("tasks_failed"), "Failed (24 h)"),
          row(e("oldest_queued_task"), "Oldest queued"),
        ]),
        entitiesCard("Documents", [
          row(e("documents_inbox"), "In the inbox"),
          row(e("documents_total"), "Total"),
          ...lab
            .all("stage_documents")
            .filter((entity) => entity.device_id === device)
            .map((entity) => row(entity.entity_id, lab.shortName(entity.entity_id))),
        ]),
        entitiesCard("Health", [
          row(e("health_database"), "Database"),
          row(e("health_redis"), "Redis"),
          row(e("health_celery"), "Celery"),
          row(e("health_index"), "Search index"),
          row(e("health_classifier"), "Classifier"),
          row(e("paperless_version"), "Version"),
        ]),
      ),
    );
  });
  lab.devices("ai_backlog").forEach((device) => {
    const e = (key) => lab.of(device, key);
    sections.push(
      section(
        heading(lab.deviceName(device), "mdi:robot"),
        entitiesCard(undefined, [
          row(e("ai_processing"), "Processing"),
          row(e("ai_backlog"), "Backlog"),
          row(e("ai_processed_today"), "Processed today"),
          row(e("ai_health"), "Health"),
        ]),
      ),
    );
  });
  lab.devices("executions_running").forEach((device) => {
    const e = (key) => lab.of(device, key);
    sections.push(
      section(
        heading(lab.deviceName(device), "mdi:sitemap"),
        entitiesCard(undefined, [
          row(e("n8n_health"), "Health"),
          row(e("executions_running"), "Running executions"),
          row(e("executions_failed"), "Failed (24 h)"),
          row(e("last_failure"), "Last failure"),
          row(e("last_failed_workflow"), "Last failed workflow"),
        ]),
      ),
    );
  });
  lab.devices("loaded_models").forEach((device) => {
    const e = (key) => lab.of(device, key);
    sections.push(
      section(
        heading(lab.deviceName(device), "mdi:brain"),
        entitiesCard(undefined, [
          row(e("ollama_busy"), "Busy"),
          row(e("loaded_models"), "Loaded models"),
          row(e("vram_used"), "VRAM used"),
          row(e("ram_used"), "RAM used"),
          row(e("gpu_share"), "Share on GPU"),
          row(e("installed_models"), "Installed models"),
          row(e("last_used"), "Last used"),
          row(e("unload_models"), "Unload all models"),
        ]),
      ),
    );
  });
  const present = keep(sections);
  return present.length
    ? present
    : emptyView(
        "No document pipeline yet: add Ollama, Paperless-ngx and n8n under " +
          "**Settings → Devices & services → Add integration → Home Lab**.",
      );
}

// Title, icon, the task's state sensor, and the device name's prefix the title makes redundant.
const TASK_KINDS = [
  ["Snapshot task", "mdi:camera-timer", "snapshot_task_state", "Snapshots of "],
  ["Replication", "mdi:transfer", "replication_state", "Replication "],
  ["Cloud sync", "mdi:cloud-upload", "cloud_sync_state", "Cloud sync "],
];

/** Dataset devices (named after the dataset) and the parent path they share, if any. */
function datasetNames(lab, datasets) {
  const names = datasets.map((dataset) => lab.deviceName(dataset));
  const parents = names.map((name) => name.slice(0, name.lastIndexOf("/") + 1));
  const parent = parents.every((p) => p && p === parents[0]) ? parents[0] : "";
  return { parent: parent.replace(/\/$/, ""), short: names.map((name) => name.slice(parent.length)) };
}

function datasetSections(lab) {
  const datasets = lab.devices("snapshot_stale");
  if (!datasets.length) {
    return [];
  }
  const { parent, short } = datasetNames(lab, datasets);
  const title = parent ? `Datasets in ${parent}` : "Datasets";
  return [
    section(
      heading(title, "mdi:folder-multiple"),
      entitiesCard(
        "Snapshots stale",
        datasets.map((dataset, i) => row(lab.of(dataset, "snapshot_stale"), short[i])),
      ),
    ),
    section(
      heading(title, "mdi:folder-multiple"),
      entitiesCard(
        "Newest snapshot",
        datasets.map((dataset, i) => row(lab.of(dataset, "newest_snapshot"), short[i])),
      ),
    ),
  ];
}

function backups(lab) {
  const sections = [];
  TASK_KINDS.forEach(([title, icon, stateKey, prefix]) => {
    lab.devices(stateKey).forEach((task) => {
      const e = (key) => lab.of(task, key);
      const name = lab.deviceName(task);
      sections.push(
        section(
          heading(title, icon),
          entitiesCard(name.startsWith(prefix) ? name.slice(prefix.length) : name, [
            row(e("backup_stale"), "Stale"),
            row(e(stateKey), "State"),
            row(e("backup_last_run"), "Last run"),
            row(e("last_snapshot"), "Last snapshot"),
            row(e("backup_progress"), "Progress"),
            row(e("bytes_sent"), "Sent"),
            row(e("backup_last_error"), "Last error"),
            row(e("backup_run_now"), "Run now"),
          ]),
        ),
      );
    });
  });
  sections.push(...datasetSections(lab));
  const present = keep(sections);
  return present.length
    ? present
    : emptyView("No backups yet: Home Lab shows TrueNAS snapshot, replication and cloud sync tasks here.");
}

/* ---------------------------------------------------------------- the strategy */

// Tabs show titles (a view with an icon shows only the icon).
const VIEWS = [
  ["Overview", "overview", overview],
  ["System", "system", system],
  ["Storage", "storage", storage],
  ["Services", "services", services],
  ["Pipeline", "pipeline", pipeline],
  ["Backups", "backups", backups],
];

function generateDashboard(hass) {
  const lab = new Lab(hass);
  return {
    title: "Home Lab",
    views: VIEWS.map(([title, path, build]) => ({
      title,
      path,
      type: "sections",
      max_columns: 4,
      sections: build(lab),
    })),
  };
}

class HomeLabDashboardStrategy extends HTMLElement {
  static async generate(_config, hass) {
    return generateDashboard(hass);
  }

  /** Build again when Home Lab's entities or devices change (a new app, pool or task). */
  static shouldRegenerate(_config, oldHass, newHass) {
    return oldHass.entities !== newHass.entities || oldHass.devices !== newHass.devices;
  }
}

if (!customElements.get("ll-strategy-dashboard-homelab")) {
  customElements.define("ll-strategy-dashboard-homelab", HomeLabDashboardStrategy);
}

// Offered under "Custom" in Settings → Dashboards → Add dashboard.
window.customStrategies = window.customStrategies || [];
if (!window.customStrategies.some((strategy) => strategy.type === "homelab")) {
  window.customStrategies.push({
    type: "homelab",
    strategyType: "dashboard",
    name: "Home Lab",
    description: "Pools, apps, services, the document pipeline and backups of your Home Lab.",
    documentationURL: DOCS_URL,
  });
}
