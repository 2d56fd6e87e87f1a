"""``python -m ta_delivery``: the ``ta-delivery`` command line."""

from ta_delivery.cli import main

if __name__ == "__main__":
    main(prog_name="ta-delivery")
