// The storefront scenario of load/scenarios/storefront.yaml for k6 users:
//   k6 run load/k6/scenario.js
//   k6 run -e STOREFRONT_URL=http://127.0.0.1:3000 -e INVENTORY_URL=http://127.0.0.1:4002 load/k6/scenario.js
// Same targets, task weights, arrival-rate stages and thresholds as `autoforge stress storefront`.
// k6's ramping-arrival-rate executor is an open model too; its `dropped_iterations` metric is
// what `autoforge stress` reports as dropped.
import http from "k6/http";
import { check } from "k6";

const STOREFRONT = __ENV.STOREFRONT_URL || "http://127.0.0.1:3000";
const INVENTORY = __ENV.INVENTORY_URL || "http://127.0.0.1:4002";

const TERMS = ["brake", "filter", "spark plug", "wiper", "battery", "rotor", "headlight", "belt"];
const VEHICLES = [
  { year: 2015, make: "HONDA", model: "CIVIC" },
  { year: 2018, make: "TOYOTA", model: "CAMRY" },
  { year: 2012, make: "FORD", model: "F-150" },
  { year: 2019, make: "CHEVROLET", model: "SILVERADO 1500" },
  { year: 2016, make: "NISSAN", model: "ALTIMA" },
];
const CUSTOMERS = [
  { name: "Ana Lima", email: "ana@example.com", city: "Porto Alegre", postal: "90010-000", country: "BR" },
  { name: "Sam Okafor", email: "sam@example.com", city: "Leeds", postal: "LS1 4AP", country: "GB" },
];

export const options = {
  scenarios: {
    storefront: {
      executor: "ramping-arrival-rate",
      startRate: 1,
      timeUnit: "1s",
      preAllocatedVUs: 50,
      maxVUs: 256,
      stages: [
        { duration: "10s", target: 10 },
        { duration: "40s", target: 20 },
        { duration: "10s", target: 0 },
      ],
    },
  },
  thresholds: {
    http_req_duration: ["p(99)<1000"],
    http_req_failed: ["rate<0.01"],
  },
  summaryTrendStats: ["p(50)", "p(90)", "p(95)", "p(99)", "p(99.9)", "max"],
};

const pick = (items) => items[Math.floor(Math.random() * items.length)];
const uuid = () =>
  "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, (c) => {
    const r = (Math.random() * 16) | 0;
    return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
  });
const csrfToken = (response) => {
  const match = /name="_csrf_token" value="([^"]+)"/.exec(response.body || "");
  return match ? match[1] : "";
};
// POSTs are answered with 303 See Other; follow nothing, so each request is timed alone.
const post = (path, fields, name) =>
  http.post(`${STOREFRONT}${path}`, fields, { redirects: 0, tags: { name } });

export function setup() {
  const response = http.get(`${INVENTORY}/products?limit=100&sort=sku`);
  const skus = response.json("items").map((item) => item.sku);
  if (!skus.length) throw new Error("inventory returned no products");
  return { skus };
}

function browse() {
  http.get(`${STOREFRONT}/?q=${encodeURIComponent(pick(TERMS))}`, { tags: { name: "browse" } });
}

function vehicleSearch() {
  const v = pick(VEHICLES);
  const query = `year=${v.year}&make=${encodeURIComponent(v.make)}&model=${encodeURIComponent(v.model)}&limit=24`;
  http.get(`${INVENTORY}/products?${query}`, { tags: { name: "vehicle-search" } });
}

function productPage(sku, name) {
  return http.get(`${STOREFRONT}/products/${sku}`, { tags: { name } });
}

function addToCart(sku, prefix) {
  const page = productPage(sku, `${prefix}/product`);
  const added = post("/cart/lines", { sku, quantity: "1", _csrf_token: csrfToken(page) }, `${prefix}/post`);
  check(added, { "added to cart": (r) => r.status === 303 });
  return added;
}

function checkout(sku) {
  addToCart(sku, "checkout");
  const form = http.get(`${STOREFRONT}/checkout`, { tags: { name: "checkout/form" } });
  const c = pick(CUSTOMERS);
  const placed = post(
    "/checkout",
    {
      _csrf_token: csrfToken(form),
      idempotency_key: uuid(),
      name: c.name,
      email: c.email,
      line1: "1 Test Street",
      line2: "",
      city: c.city,
      region: "",
      postal_code: c.postal,
      country: c.country,
    },
    "checkout/place",
  );
  check(placed, { "order placed": (r) => r.status === 303 });
}

// Weights as in storefront.yaml: 30 browse, 20 vehicle search, 30 product page, 12 cart, 8 checkout.
const TASKS = [
  [30, () => browse()],
  [20, () => vehicleSearch()],
  [30, (data) => productPage(pick(data.skus), "product-page")],
  [12, (data) => addToCart(pick(data.skus), "add-to-cart")],
  [8, (data) => checkout(pick(data.skus))],
];
const TOTAL = TASKS.reduce((sum, [weight]) => sum + weight, 0);

export default function (data) {
  let roll = Math.random() * TOTAL;
  for (const [weight, task] of TASKS) {
    roll -= weight;
    if (roll < 0) return task(data);
  }
}
