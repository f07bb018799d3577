"""Physical constants (CODATA 2018, exact SI values)."""
K_B_EV_PER_K = 8.617333262e-5      #: Boltzmann constant (eV/K)
Q_E_C = 1.602176634e-19            #: elementary charge (C)
