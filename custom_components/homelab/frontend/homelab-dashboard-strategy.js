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

/** A tile for every entity with each key (the keys in order, then device and name order), named as `names` says. */
const tilesOf = (lab, names) =>
  Object.entries(names).flatMap(([key, name]) => lab.ids(key).map((id) => tile(id, name)));

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

/** A pool's used space in percent, green to red as it fills. */
const usedGauge = (entity, name) =>
  entity ? { type: "gauge", entity, name, min: 0, max: 100, severity: { green: 0, yellow: 75, red: 90 } } : undefined;

/* ---------------------------------------------------------------- device sections */

/*
 * Most sections show one device: a heading, then cards of the device's entities. Such a section
 * is described once, as an object:
 *   key      the translation key of the entity that makes a device have the section;
 *   icon     the heading's icon;
 *   heading  (optional) the heading from the device's name (by default the name itself);
 *   cards    the cards, in order, each one of
 *              { tile: key, name }           a tile of the entity with the key (none without it),
 *              { title, rows, more }         an entities card (none without rows): `rows` maps
 *                                            keys to row names, in order; then, with `more`, every
 *                                            entity of the device with that key, under its own
 *                                            name; `title` is a text, a function of the device's
 *                                            name, or undefined for no title,
 *              (e, device, lab) => card      any other card (e(key) is the device's entity).
 */

function deviceCard(lab, device, card, e) {
  if (typeof card === "function") {
    return card(e, device, lab);
  }
  if (card.tile) {
    return e(card.tile) ? tile(e(card.tile), card.name) : undefined;
  }
  const title = typeof card.title === "function" ? card.title(lab.deviceName(device)) : card.title;
  const extra = card.more
    ? lab
        .all(card.more)
        .filter((entity) => entity.device_id === device)
        .map((entity) => row(entity.entity_id, lab.shortName(entity.entity_id)))
    : [];
  return entitiesCard(title, [...Object.entries(card.rows).map(([key, name]) => row(e(key), name)), ...extra]);
}

function deviceSection(lab, description, device) {
  const e = (key) => lab.of(device, key);
  const name = lab.deviceName(device);
  return section(
    heading(description.heading ? description.heading(name) : name, description.icon),
    description.cards.map((card) => deviceCard(lab, device, card, e)),
  );
}

/** A section per device: by default the devices having the description's key, in name order. */
const deviceSections = (lab, description, devices = lab.devices(description.key)) =>
  devices.map((device) => deviceSection(lab, description, device));

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
      pools.map((pool) => usedGauge(lab.of(pool, "used_percent"), `${lab.deviceName(pool)} used`)),
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
      tilesOf(lab, {
        pipeline_depth: "Depth",
        paperless_stuck: "Stuck",
        tasks_queued: "Queued",
        ai_backlog: "AI backlog",
        executions_running: "n8n running",
      }),
    ),
  );
  sections.push(
    section(
      heading("Ollama", "mdi:brain"),
      tilesOf(lab, {
        ollama_busy: "Busy",
        loaded_models: "Loaded models",
        vram_used: "VRAM used",
      }),
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

/** What the sections of a TrueNAS system device share. */
const TRUENAS = { key: "version", icon: "mdi:nas", heading: (name) => `TrueNAS ${name}` };

const NAS_SYSTEM = {
  ...TRUENAS,
  cards: [
    { tile: "cpu_usage", name: "CPU usage" },
    { tile: "cpu_temperature", name: "CPU temperature" },
    { tile: "memory_used", name: "Memory used" },
    { tile: "arc_hit_ratio", name: "ARC hit ratio" },
    {
      title: "System",
      rows: {
        version: "Version",
        boot_time: "Up since",
        load_1m: "Load (1 min)",
        load_5m: "Load (5 min)",
        load_15m: "Load (15 min)",
        memory_free: "Memory free",
        arc_size: "ARC size",
      },
    },
    { tile: "system_update", name: "TrueNAS update" },
    { title: "Certificates", rows: { ui_certificate_days: "Web UI certificate" }, more: "certificate_days" },
    { title: "Power", rows: { nas_reboot: "Reboot", nas_shutdown: "Shut down" } },
  ],
};

function system(lab) {
  const sections = lab.devices(NAS_SYSTEM.key).map((nas) => {
    const interfaces = lab
      .all("interface_rx", "interface_tx")
      .filter((entity) => entity.device_id === nas)
      .map((entity) => entity.entity_id);
    return [
      deviceSection(lab, NAS_SYSTEM, nas),
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

const POOL = {
  key: "pool_status",
  icon: "mdi:database",
  heading: (name) => `Pool ${name}`,
  cards: [
    { tile: "pool_status", name: "Status" },
    { tile: "pool_problem", name: "Problem" },
    (e) => usedGauge(e("used_percent"), "Used"),
    {
      title: "Space",
      rows: {
        allocated: "Allocated",
        free: "Free",
        fragmentation: "Fragmentation",
      },
    },
    {
      title: "Scrub",
      rows: {
        scan_state: "State",
        scan_progress: "Progress",
        last_scrub: "Last scrub",
      },
    },
    {
      title: "Errors",
      rows: {
        read_errors: "Read",
        write_errors: "Write",
        checksum_errors: "Checksum",
        scrub_errors: "Scrub",
        disks_not_online: "Disks not online",
      },
    },
    (e, pool, lab) => entitiesCard("Disks", diskRows(lab, pool)),
    (e) =>
      e("used_percent")
        ? { type: "history-graph", title: "Used", hours_to_show: 168, entities: [e("used_percent")] }
        : undefined,
  ],
};

const NAS_STATUS = {
  ...TRUENAS,
  cards: [
    {
      rows: {
        connected: "Connection",
        version: "Version",
        boot_time: "Boot time",
        active_alerts: "Active alerts",
        critical_alerts: "Critical alerts",
      },
    },
  ],
};

function storage(lab) {
  const sections = [
    ...deviceSections(lab, POOL),
    // The TrueNAS systems this Home Lab is connected to.
    ...deviceSections(lab, NAS_STATUS, lab.devices(NAS_STATUS.key).filter((id) => lab.of(id, "connected"))),
  ];
  const datasets = lab.devices("snapshot_stale");
  if (datasets.length) {
    sections.push(datasetSection(lab, datasets, "Newest snapshot", "newest_snapshot"));
  }
  const present = keep(sections);
  return present.length ? present : emptyView("No pools yet: add your TrueNAS server to Home Lab.");
}

const APP = {
  key: "app_state",
  icon: "mdi:application-cog",
  cards: [
    {
      rows: {
        app_state: "State",
        app_run: "Run",
        app_restart: "Restart",
        app_update: "Version",
        app_cpu: "CPU",
        app_memory: "Memory",
        app_containers_running: "Containers running",
      },
    },
  ],
};

const VM = {
  key: "vm_state",
  icon: "mdi:monitor",
  cards: [
    {
      rows: {
        vm_state: "State",
        vm_run: "Run",
        vm_restart: "Restart",
        vm_vcpus: "Virtual CPUs",
        vm_memory: "Memory",
      },
    },
  ],
};

const PROBE = {
  key: "probe_reachable",
  icon: "mdi:web-check",
  cards: [
    {
      rows: {
        probe_reachable: "Reachable",
        probe_response_time: "Response time",
        probe_http_status: "HTTP status",
        probe_cert_expiry: "Certificate expiry",
      },
    },
  ],
};

function services(lab) {
  // One section per app (sections flow into columns), then one per HTTP service probe.
  const sections = [...deviceSections(lab, APP)];
  // The NAS's virtual machines and containers, then its sharing services (SMB, NFS, SSH, ...).
  sections.push(...deviceSections(lab, VM));
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
  sections.push(...deviceSections(lab, PROBE));
  return sections.length
    ? sections
    : emptyView("No apps yet: Home Lab shows the apps of your TrueNAS server here.");
}

const PAPERLESS = {
  key: "tasks_queued",
  icon: "mdi:file-document",
  cards: [
    { tile: "paperless_stuck", name: "Stuck" },
    {
      title: "Tasks",
      rows: {
        tasks_queued: "Queued",
        tasks_processing: "Processing",
        tasks_failed: "Failed (24 h)",
        oldest_queued_task: "Oldest queued",
      },
    },
    {
      title: "Documents",
      rows: { documents_inbox: "In the inbox", documents_total: "Total" },
      more: "stage_documents",
    },
    {
      title: "Health",
      rows: {
        health_database: "Database",
        health_redis: "Redis",
        health_celery: "Celery",
        health_index: "Search index",
        health_classifier: "Classifier",
        paperless_version: "Version",
      },
    },
  ],
};

const PAPERLESS_AI = {
  key: "ai_backlog",
  icon: "mdi:robot",
  cards: [
    {
      rows: {
        ai_processing: "Processing",
        ai_backlog: "Backlog",
        ai_processed_today: "Processed today",
        ai_health: "Health",
      },
    },
  ],
};

const N8N = {
  key: "executions_running",
  icon: "mdi:sitemap",
  cards: [
    {
      rows: {
        n8n_health: "Health",
        executions_running: "Running executions",
        executions_failed: "Failed (24 h)",
        last_failure: "Last failure",
        last_failed_workflow: "Last failed workflow",
      },
    },
  ],
};

const OLLAMA = {
  key: "loaded_models",
  icon: "mdi:brain",
  cards: [
    {
      rows: {
        ollama_busy: "Busy",
        loaded_models: "Loaded models",
        vram_used: "VRAM used",
        ram_used: "RAM used",
        gpu_share: "Share on GPU",
        installed_models: "Installed models",
        last_used: "Last used",
        unload_models: "Unload all models",
      },
    },
  ],
};

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
  [PAPERLESS, PAPERLESS_AI, N8N, OLLAMA].forEach((description) =>
    sections.push(...deviceSections(lab, description)),
  );
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

/** The sections of a kind of backup task: the kind's title, then the task's card. */
const taskDescription = ([title, icon, stateKey, prefix]) => ({
  key: stateKey,
  icon,
  heading: () => title,
  cards: [
    {
      title: (name) => (name.startsWith(prefix) ? name.slice(prefix.length) : name),
      rows: {
        backup_stale: "Stale",
        [stateKey]: "State",
        backup_last_run: "Last run",
        last_snapshot: "Last snapshot",
        backup_progress: "Progress",
        bytes_sent: "Sent",
        backup_last_error: "Last error",
        backup_run_now: "Run now",
      },
    },
  ],
});

/** Dataset devices (named after the dataset) and the parent path they share, if any. */
function datasetNames(lab, datasets) {
  const names = datasets.map((dataset) => lab.deviceName(dataset));
  const parents = names.map((name) => name.slice(0, name.lastIndexOf("/") + 1));
  const parent = parents.every((p) => p && p === parents[0]) ? parents[0] : "";
  return { parent: parent.replace(/\/$/, ""), short: names.map((name) => name.slice(parent.length)) };
}

/** A section with a card of the datasets' entities with the key, each under its dataset's short name. */
function datasetSection(lab, datasets, title, key) {
  const { parent, short } = datasetNames(lab, datasets);
  return section(
    heading(parent ? `Datasets in ${parent}` : "Datasets", "mdi:folder-multiple"),
    entitiesCard(title, datasets.map((dataset, i) => row(lab.of(dataset, key), short[i]))),
  );
}

function datasetSections(lab) {
  const datasets = lab.devices("snapshot_stale");
  if (!datasets.length) {
    return [];
  }
  return [
    datasetSection(lab, datasets, "Snapshots stale", "snapshot_stale"),
    datasetSection(lab, datasets, "Newest snapshot", "newest_snapshot"),
  ];
}

function backups(lab) {
  const sections = TASK_KINDS.flatMap((kind) => deviceSections(lab, taskDescription(kind)));
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
