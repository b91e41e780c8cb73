# Copyright 2026 Subscription Suite Authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
#
# Odoo 18 with the suite's Python requirements baked in and the addons copied
# to /mnt/extra-addons (docker-compose.yml mounts ./addons over them for
# development). Nothing is pip-installed when a container starts.
#   docker build -t subscription-suite:18 .
FROM odoo:18

USER root
COPY requirements.txt requirements-odoo-addons.txt constraints.txt /opt/subscription-suite/
# The image's Python is the system one (Ubuntu, PEP 668): install beside
# Odoo's Debian packages, with the suite's constraints. OCA's addons from
# PyPI (queue_job) go in with --no-deps: their `odoo` requirement is the
# image's Odoo (a Debian package, not a pip distribution); pip puts them in
# dist-packages/odoo/addons, which Odoo finds through the odoo.addons namespace.
RUN PIP_CONSTRAINT=/opt/subscription-suite/constraints.txt \
    pip3 install --no-cache-dir --break-system-packages \
        -r /opt/subscription-suite/requirements.txt \
    && pip3 install --no-cache-dir --break-system-packages --no-deps \
        -r /opt/subscription-suite/requirements-odoo-addons.txt \
    && python3 -c "import stripe, requests, freezegun" \
    && wkhtmltopdf --version
# The official image already ships wkhtmltopdf (the patched-Qt wkhtmltox
# build Odoo recommends; invoice PDFs) and freezegun (an Odoo dependency, used
# by the demo data loader): the line above only checks they are there.
COPY odoo.conf /opt/subscription-suite/odoo.conf
COPY bin/docker-entrypoint /opt/subscription-suite/docker-entrypoint
COPY --chown=odoo:odoo addons /mnt/extra-addons
RUN chmod 755 /opt/subscription-suite/docker-entrypoint

USER odoo
ENV ODOO_RC=/var/lib/odoo/odoo.conf \
    SUITE_BASE_CONF=/opt/subscription-suite/odoo.conf \
    SUITE_ADDONS_DIR=/mnt/extra-addons
ENTRYPOINT ["/opt/subscription-suite/docker-entrypoint"]
CMD ["odoo"]
