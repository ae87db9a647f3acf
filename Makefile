# Two commands for a new user: `make run` and `make test`. Everything else is here for them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# `make test` runs the tests on one pytest-xdist worker per core, each with its own SQLite
# files and PostgreSQL database; an idle worker takes tests queued for another (worksteal),
# as browser and race tests take far longer than the rest. PYTEST_WORKERS=0 runs them all
# in one process (for pdb).
PYTEST_WORKERS ?= auto
export FLASK_APP := coop

.DELETE_ON_ERROR:
.PHONY: run test assets lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The app alone, for `make run`.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The app and its test tools, for `make test`.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

coop/static/coop.css: coop/assets/coop.scss node_modules/.package-lock.json
	npx --no-install sass --no-source-map --style=compressed --load-path=node_modules \
		coop/assets/coop.scss coop/static/coop.css
	rm -rf coop/static/govuk && mkdir -p coop/static/govuk
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js coop/static/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets coop/static/govuk/assets

assets: coop/static/coop.css

# The worker (emails and scheduled jobs) runs in the background beside the server, and stops
# with it. With no MAIL_SERVER it prints each email; http://127.0.0.1:$(PORT)/dev/mail lists them.
# With no STRIPE_SECRET_KEY the offline Stripe server (localstripe, on 127.0.0.1:$(STRIPE_PORT))
# runs beside them too, sending its signed webhooks to the app: pay with card 4242 4242 4242 4242.
STRIPE_PORT ?= 8420
OFFLINE_WEBHOOK_SECRET := whsec_offline_make_run
run: $(VENV)/.installed-run assets
	$(BIN)/python -c 'from coop.config import instance_secret_key; instance_secret_key("instance")'
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load --if-empty
	stripe=; if [ -z "$$STRIPE_SECRET_KEY" ]; then \
		export STRIPE_SECRET_KEY=sk_test_offline STRIPE_PUBLISHABLE_KEY=pk_test_offline \
			STRIPE_WEBHOOK_SECRET=$(OFFLINE_WEBHOOK_SECRET) \
			COOP_STRIPE_API_BASE=http://127.0.0.1:$(STRIPE_PORT); \
		$(BIN)/python -m coop.dev_stripe --port $(STRIPE_PORT) --secret $(OFFLINE_WEBHOOK_SECRET) \
			--webhook http://127.0.0.1:$(PORT)/payments/stripe/webhook & stripe=$$!; \
	fi; \
	$(BIN)/flask worker & worker=$$!; trap 'kill $$worker $$stripe 2>/dev/null' EXIT; \
		trap 'exit 130' INT TERM; \
		$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.installed-dev assets
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS); status=$$?; \
		if [ $$status -eq 5 ]; then echo "pytest collected no tests"; fi; exit $$status

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check coop tests bench migrations
	$(BIN)/ruff format --check coop tests bench migrations
	$(BIN)/lint-imports

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/tally.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/startup.py

clean:
	rm -rf $(VENV) node_modules coop/static/coop.css coop/static/govuk
